"""Benchmark: every lesson's recipe, a re-implementation of the reference DAS code path, and the real peer packages from PyPI,
judged by the course's judge panel over several seeds.

Every method optimises the *same* source model (the offline `tf_efficientnet_lite0`, frozen, taking images in [0, 1]) towards the
*same* target classes with the *same* number of model image-evaluations per image (`--evals`, default 400: a method that shows the
model V views per step gets `evals // V` steps). Each final image goes through `das_tutorial.evaluate.judge_panel`: judge p
(tf_efficientnet_lite2), robust p (lite2 averaged over five perturbations), cross p (lite1 over the same perturbations),
saturation, contrast, spectral slope and flags. The table gives the mean over classes per seed, then the mean over seeds and the
standard deviation of the per-seed means.

The project's methods come from the recipe registry (`das_tutorial.recipes.all_recipes`), each at its own defaults with the budget
split into steps. Each method runs in its own subprocess (isolation, and an honest peak-memory figure); peer methods run with the
peer environment's python, created by `bash bench/setup_peers.sh`.

    bash bench/setup_peers.sh                                   # once: creates bench/.peers (needs the project's .venv)
    .venv/bin/python bench/peers.py --results bench/results.md --save bench/grids --jobs 2
    .venv/bin/python bench/peers.py --classes "lighthouse,ostrich" --seeds 0 --evals 80 --methods das,lucent
"""
import argparse, json, os, resource, subprocess, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PEER_PYTHON = HERE / '.peers' / 'bin' / 'python'
if str(REPO) not in sys.path: sys.path.insert(0, str(REPO))

# The report classes (das_tutorial.evaluate.REPORT_CLASSES): no choice of the course is made on them.
from das_tutorial.evaluate import REPORT_CLASSES as CLASSES
SIZE, VIEWS, SEEDS = 224, 8, (0, 1, 2)
# The project's recipes (lesson order); dfg is left out (a step costs several model evaluations: see bench/dfg_cost.py),
# clip needs CLIP weights (not offline).
PROJECT = ('naive', 'priors', 'transforms', 'octaves', 'das', 'cag')
PEERS = ('lucent', 'torch_dreams', 'horama', 'imstack')


def _target_logit(model, target):
    "Score to maximise: the mean raw logit of `target` over a batch of views."
    return lambda views: model(views)[:, target].mean()


def jitter_noise_views(image, count, jitter, noise):
    "`count` views of `image`: each a random crop whose edges move in by up to `jitter` px, resized back, plus N(0, noise)."
    import torch, torch.nn.functional as F
    n, c, h, w = image.shape
    views = []
    for _ in range(count):
        x0, y0, x1, y1 = (int(v) for v in torch.randint(0, jitter + 1, (4,)))
        crop = image[:, :, y0:h - y1, x0:w - x1]
        views.append(F.interpolate(crop, size=(h, w), mode='bilinear', align_corners=False))
    views = torch.cat(views)
    return views + noise * torch.randn_like(views)


# ---- methods: name -> function(model, target_index, evals, size) -> ((1, 3, size, size) image in [0, 1], settings) -----------
def project_method(name, sgd_tuned=False, crops=False, **changes):
    """A project recipe at its own defaults (or with `changes`), the budget split into steps of its views. `sgd_tuned=True` starts
    from `das_tutorial.stacks.SGD_TUNED` (the blog post's method with its learning rate tuned here: 8 views a step, SGD at 0.3), `crops=True` from `das_tutorial.stacks.CROPS`
    (the reference code path's views: jittered windows of a canvas, uniform noise), both read when the method runs."""
    def run(model, target, evals, size):
        from das_tutorial.recipes import all_recipes
        r = all_recipes()[name]
        kw = changes
        if sgd_tuned or crops:
            from das_tutorial.stacks import SGD_TUNED, CROPS
            kw = dict(SGD_TUNED if sgd_tuned else CROPS, **changes)
        steps = max(1, evals // r.views(**kw))
        img = r(target, size=size, steps=steps, model=model, seed=int(os.environ.get('BENCH_SEED', '0')), **kw).image
        return img, dict(recipe=name, steps=steps, views=r.views(**kw), **{k: v for k, v in {**r.defaults, **kw}.items() if k in r.knobs and k not in ('size', 'steps')})
    run.__doc__ = (f"This project's `{name}` recipe (das_tutorial.recipes.all_recipes()['{name}'])"
                   + (" with the blog post's method, rate tuned (das_tutorial.stacks.SGD_TUNED: 8 views a step, SGD at 0.3, jittered crops of a canvas with uniform noise, no rotation or resizing)" if sgd_tuned
                      else " at its own defaults but for the reference code path's views (das_tutorial.stacks.CROPS: jittered windows of a canvas, uniform noise ±0.2)" if crops
                      else " at its own defaults")
                   + (f", except {', '.join(f'{k}={v}' for k, v in changes.items())}." if changes else "."))
    return run


def m_reference_das(model, target, evals, size, lr=0.2, jitter=None, noise=0.2):
    """Our own re-implementation of the DAS code path in the seed blog post: zero-initialised layers at resolutions
    range(1, size+1, 4), each upsampled to `size` (bicubic; nearest for 1x1) and summed, squashed by (tanh+1)/2, plain SGD,
    `VIEWS` jittered+noised views per step, loss = -mean target logit. The seed's jitter is 56 px at 336 px: we scale it
    to size/6. SGD lr 0.2: the seed's 0.005 (for 336 px, 16 views, another model) barely moves in 50 steps here; an earlier
    sweep on jellyfish at 50 x 8 gave judge p 0.065 / 0.005 / 0.665 / 0.151 for lr 0.005 / 0.05 / 0.2 / 1.0."""
    import torch, torch.nn.functional as F
    jitter = size // 6 if jitter is None else jitter
    resolutions = list(range(1, size + 1, 4))
    layers = [torch.zeros(1, 3, r, r, requires_grad=True) for r in resolutions]
    def render():
        out = 0.
        for r, p in zip(resolutions, layers):
            out = out + F.interpolate(p, size=(size, size), mode='bicubic' if r > 1 else 'nearest')
        return (torch.tanh(out) + 1) / 2
    opt = torch.optim.SGD(layers, lr=lr)
    steps = max(1, evals // VIEWS)
    score = _target_logit(model, target)
    for _ in range(steps):
        opt.zero_grad()
        loss = -score(jitter_noise_views(render(), VIEWS, jitter, noise))
        loss.backward()
        opt.step()
    with torch.no_grad(): img = render()
    return img, dict(steps=steps, views=VIEWS, lr=lr, optimizer='SGD', jitter=jitter, noise=noise, layers=len(layers))


def _lucent_kornia_shim():
    "torch-lucent 0.1.8 calls kornia.get_rotation_matrix2d / kornia.warp_affine, which current kornia keeps in kornia.geometry."
    import kornia, kornia.geometry.transform as kgt
    for name in ('get_rotation_matrix2d', 'warp_affine'):
        if not hasattr(kornia, name): setattr(kornia, name, getattr(kgt, name))


def m_lucent(model, target, evals, size):
    """torch-lucent: its default FFT parameterisation with decorrelated colour (param.image(fft=True, decorrelate=True)),
    its standard_transforms (pad, jitter, scale, rotate, jitter), its default Adam lr 0.05, and its own class objective
    objectives.channel('labels', target) (the last hooked layer is lite0's classifier, i.e. the logits). preprocess=False:
    the model normalises itself. 1 view per step, so `evals` steps."""
    _lucent_kornia_shim()
    from lucent.optvis import render, param, objectives, transform
    params, image_f = param.image(size, fft=True, decorrelate=True)
    render.render_vis(model, objectives.channel('labels', target), param_f=lambda: (params, image_f),
                      transforms=transform.standard_transforms, thresholds=(evals,), preprocess=False,
                      progress=False, show_image=False)
    import torch
    with torch.no_grad(): img = image_f()
    return img, dict(steps=evals, views=1, lr=0.05, optimizer='Adam', param='fft+decorrelate', transforms='standard_transforms')


def m_torch_dreams(model, target, evals, size):
    """torch-dreams: Dreamer with its default AutoImageParam (FFT, lucid colour space, sigmoid), default transforms
    (RandomAffine 15 deg + random resize 0.5-1.2), default AdamW lr 9e-3 and grad clip, and a custom_func on the logits
    (hooked at the model's output). Its image parameter emits ImageNet-normalised images; set_custom_normalization(Identity)
    is its documented way to feed a model with another normalisation (here: none, [0, 1]). 1 view per step."""
    import torch
    from torch_dreams import Dreamer
    dreamer = Dreamer(model, quiet=True, device='cpu')
    dreamer.set_custom_normalization(torch.nn.Identity())
    p = dreamer.render(layers=[model], width=size, height=size, iters=evals,
                       custom_func=lambda outs: -outs[0][:, target].mean())
    with torch.no_grad(): img = p.postprocess(device='cpu')
    return img[:1], dict(steps=evals, views=1, lr=9e-3, optimizer='AdamW', param='AutoImageParam (fft)')


def m_horama(model, target, evals, size):
    """horama: its `fourier` mode (Lucid-style FFT spectrum, colour recorrelation, NAdam lr 1.0, crops + noise). Its MACO
    mode needs a magnitude spectrum downloaded from the internet and fails offline, so it is not used. Settings changed from
    its defaults (which are for 1280 px images seen through 20-25% crops): image_size=`size`, values_range=(0, 1) (our model
    takes [0, 1]), box_size=(0.8, 0.9) so crops cover most of a 224 px image, `VIEWS` crops per step."""
    import horama
    steps = max(1, evals // VIEWS)
    img, _ = horama.fourier(_target_logit(model, target), total_steps=steps, image_size=size, model_input_size=size,
                            values_range=(0.0, 1.0), box_size=(0.8, 0.9), crops_per_iteration=VIEWS, device='cpu')
    return img.detach()[None], dict(steps=steps, views=VIEWS, lr=1.0, optimizer='NAdam', mode='fourier', box_size=(0.8, 0.9))


def m_imstack(model, target, evals, size):
    """imstack: the ImStack parameterisation as its README creates it (ImStack(n_layers=3): 32/64/128 px layers, upsampled
    to `size`, summed, sigmoid; its own noise init) optimised as its README says: Adam lr 0.1, weight_decay 1e-4. imstack ships
    no augmentations, so it gets the same `VIEWS` jittered+noised views as the reference DAS path."""
    import torch
    from imstack.core import ImStack
    ims = ImStack(n_layers=3, base_size=32, scale=2, out_size=size, device=torch.device('cpu'))
    opt = torch.optim.Adam(ims.layers, lr=0.1, weight_decay=1e-4)
    steps = max(1, evals // VIEWS)
    score = _target_logit(model, target)
    for _ in range(steps):
        opt.zero_grad()
        loss = -score(jitter_noise_views(ims(), VIEWS, size // 6, 0.2))
        loss.backward()
        opt.step()
    with torch.no_grad(): img = ims()
    return img, dict(steps=steps, views=VIEWS, lr=0.1, optimizer='Adam', weight_decay=1e-4, layers='32/64/128', augment='reference jitter+noise')


def m_das_zoom(model, target, evals, size):
    """A lead, not a default: the post's method with a tuned rate (`stack_ascent` with 8 views, SGD at 0.3, no resizing) whose views get lesson 03's random zoom
    0.8-1.25 inside the crops (`RandomViews(scales=...)`) instead of random view sizes; `bench/das_leads.py`'s `zoomed_das`."""
    from das_leads import zoomed_das
    img = zoomed_das(model, target, size, evals, int(os.environ.get('BENCH_SEED', '0')), VIEWS, (0.8, 1.25), 0.0)
    return img, dict(steps=evals // VIEWS, views=VIEWS, lr=0.3, optimizer='sgd', scales=(0.8, 1.25), resize='off')


# The `das` recipe's earlier defaults (lesson 05), for comparison: the post's method with a tuned rate, with views at random sizes, and many small
# AdamW steps through the reference path's crops (with and without the stack's per-layer scale).
METHODS = {**{n: project_method(n) for n in PROJECT}, 'das_no_resize': project_method("das", sgd_tuned=True),
           'das_resize': project_method("das", sgd_tuned=True, resize_min=0.5, resize_max=1.2), 'das_zoom': m_das_zoom,
           'das_crops': project_method('das', crops=True), 'das_crops_alpha0': project_method('das', crops=True, alpha=0.0),
           'das_alpha0.75': project_method('das', alpha=0.75),
           'das_whole': project_method('das', jitter=0.0, noise=0.0, canvas=False, score='logit'),
           'das_logit': project_method('das', score='logit'),
           'reference_das': m_reference_das,
           'lucent': m_lucent, 'torch_dreams': m_torch_dreams, 'horama': m_horama, 'imstack': m_imstack}


# ---- worker: one method, all classes and seeds, in this process -------------------------------------------------------------
def worker(method, classes, seeds, evals, size, out):
    import torch
    from das_tutorial.core import load_classifier, class_index, seed_everything
    torch.set_num_threads(int(os.environ.get('BENCH_THREADS', '1')))
    model = load_classifier('tf_efficientnet_lite0', device='cpu')
    fn = METHODS[method]
    images, seconds, keys, config = [], [], [], None
    for seed in seeds:
        for name in classes:
            seed_everything(seed); os.environ['BENCH_SEED'] = str(seed)
            start = time.perf_counter()
            img, config = fn(model, class_index(name), evals, size)
            seconds.append(time.perf_counter() - start)
            img = img.detach().float().clamp(0, 1)
            if img.shape[-1] != size: img = torch.nn.functional.interpolate(img, size=(size, size), mode='bicubic', align_corners=False).clamp(0, 1)
            images.append(img.cpu()); keys.append((seed, name))
            print(f'  {method}: seed {seed} {name} {seconds[-1]:.1f}s', flush=True)
    torch.save(dict(images=torch.cat(images), seconds=seconds, keys=keys, evals=evals, size=size, config={k: str(v) for k, v in (config or {}).items()},
                    maxrss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), out)


def importable(method):
    "Why a method cannot run here (None if it can)."
    if method in PEERS:
        if not PEER_PYTHON.exists(): return 'peer env missing: run `bash bench/setup_peers.sh`'
        mod = dict(lucent='lucent', torch_dreams='torch_dreams', horama='horama', imstack='imstack')[method]
        r = subprocess.run([str(PEER_PYTHON), '-c', f'import {mod}'], cwd=REPO, capture_output=True, text=True)
        return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ['import failed'])[-1]
    return None


def summarise(method, rows, classes, seeds):
    "One table row: per-seed class means, then mean and sd over seeds, for each panel column."
    import statistics as st
    out = dict(method=method, runs=len(rows))
    for col in ('robust_p', 'coarse_p', 'cross_p', 'judge_p', 'saturation', 'contrast', 'grain'):
        per_seed = [st.mean(r[col] for r in rows if r['seed'] == s) for s in seeds]
        out[col] = (st.mean(per_seed), st.pstdev(per_seed) if len(per_seed) > 1 else 0.0)
    out['hit'] = sum(r['judge_top1'] == r['target'] for r in rows)
    out['reads'] = sum(r['verdict'] == 'reads as the class' for r in rows)
    out['flags'] = {f: sum(f in r['flags'].split() for r in rows) for f in ('neon', 'haze', 'high-freq')}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--classes', default=','.join(CLASSES), help='comma-separated class names (any synonym), or a number N for the first N of the default ten')
    ap.add_argument('--seeds', default=','.join(map(str, SEEDS)), help='comma-separated seeds (default 0,1,2)')
    ap.add_argument('--evals', type=int, default=400, help='model image-evaluations per image (steps x views)')
    ap.add_argument('--size', type=int, default=SIZE)
    ap.add_argument('--methods', default=','.join(METHODS), help='comma-separated subset of ' + ','.join(METHODS))
    ap.add_argument('--save', default=None, help='folder for a PNG grid per method and an overview grid (first seed)')
    ap.add_argument('--results', default=None, help='also write the tables and settings to this markdown file')
    ap.add_argument('--work', default=None, help="folder for the workers' outputs; a method whose output is already there (same classes, seeds, budget) is reused")
    ap.add_argument('--carry', default=None, help="an earlier results.md: its rows for methods not in --methods are copied into this table, marked †, "
                    "with that file's command (for rows whose images are gone; they are not re-judged)")
    ap.add_argument('--carry-as', default='', help="with --carry: OLD=NEW,... renames carried rows (a method whose settings got another name since)")
    ap.add_argument('--jobs', type=int, default=1, help='methods run at the same time (each worker uses BENCH_THREADS torch threads, default 1)')
    ap.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    ap.add_argument('--out', default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    classes = list(CLASSES[:int(a.classes)]) if a.classes.strip().isdigit() else [c.strip() for c in a.classes.split(',') if c.strip()]
    seeds = [int(s) for s in a.seeds.split(',') if s.strip()]
    if a.worker: return worker(a.worker, classes, seeds, a.evals, a.size, a.out)

    from das_tutorial.core import class_index, class_name
    try: [class_index(c) for c in classes]
    except (KeyError, IndexError) as e: sys.exit(f'error: {e.args[0]}')
    methods = [m.strip() for m in a.methods.split(',') if m.strip()]
    for path in [a.results] + ([str(Path(a.save) / 'grid.png')] if a.save else []):   # before hours of work, not after
        if path and (why := unwritable(path)): sys.exit(f'error: {why}')
    bad = [m for m in methods if m not in METHODS]
    if bad: sys.exit(f'Unknown methods {bad}: choose from {list(METHODS)}')
    import torch
    torch.set_num_threads(int(os.environ.get('BENCH_THREADS', '1')))
    from das_tutorial.evaluate import judge_panel, default_judges, grain, photo, PHOTOS
    print(f'# {len(classes)} classes x {len(seeds)} seeds, {a.evals} model image-evaluations per image, {a.size} px', flush=True)
    tmp = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix='das_peers_'))
    tmp.mkdir(parents=True, exist_ok=True)
    skipped = []
    def run_method(m):
        out = tmp / f'{m}.pt'
        if out.exists():
            res = torch.load(out)
            if (res.get('keys'), res.get('evals'), res.get('size')) == ([(s, c) for s in seeds for c in classes], a.evals, a.size):
                print(f'REUSE {m} from {out}', flush=True); return res
        why = importable(m)
        if why: print(f'SKIP {m}: {why}', flush=True); skipped.append((m, why)); return None
        py = PEER_PYTHON if m in PEERS else Path(sys.executable)
        cmd = [str(py), str(Path(__file__).resolve()), '--worker', m, '--out', str(out), '--classes', ','.join(classes),
               '--seeds', ','.join(map(str, seeds)), '--evals', str(a.evals), '--size', str(a.size)]
        print(f'RUN {m} ({py})', flush=True)
        if out.exists(): out.unlink()
        r = subprocess.run(cmd, cwd=REPO, env=dict(os.environ, TQDM_DISABLE='1'))
        if r.returncode or not out.exists():
            print(f'FAIL {m}: exit {r.returncode}', flush=True); skipped.append((m, f'failed, exit {r.returncode}')); return None
        return torch.load(out)
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max(a.jobs, 1)) as pool: results = dict(zip(methods, pool.map(run_method, methods)))
    judges = default_judges()
    summary, per_class, thumbs, labelled = [], {}, [], {}
    for m in methods:
        res = results[m]
        if res is None: continue
        rows = judge_panel(res['images'], [c for _, c in res['keys']], judges)
        for r, (s, c), g in zip(rows, res['keys'], grain(res['images']).tolist()): r.update(seed=s, target=class_name(class_index(c)), grain=g)
        row = summarise(m, rows, classes, seeds)
        row.update(sec=sum(res['seconds']) / len(res['seconds']), rss=res['maxrss_mb'], config=res['config'])
        summary.append(row)
        per_class[m] = {c: sum(r['robust_p'] for r in rows if r['target'] == class_name(class_index(c))) / len(seeds) for c in classes}
        labelled[m] = (res['images'][:len(classes)], rows[:len(classes)])
        print(f"  {m}: robust p {row['robust_p'][0]:.3f} ± {row['robust_p'][1]:.3f}, saturation {row['saturation'][0]:.3f}", flush=True)
        if a.save:
            import torchvision
            from das_tutorial.core import save_image
            Path(a.save).mkdir(parents=True, exist_ok=True)
            first = res['images'][:len(classes)]
            thumbs.append(torch.nn.functional.interpolate(first, size=(96, 96), mode='bilinear', antialias=True, align_corners=False))
    fmt = lambda v: f'{v[0]:.3f} ± {v[1]:.3f}'
    table = ['| method | robust p | coarse p | cross p | judge p | saturated values | contrast | grain | reads as the class | judge top-1 | flags (neon/haze/high-freq) | s / image | peak RSS (MB) |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    photo_grain = {n: grain(photo(n, a.size)).item() for n in PHOTOS}
    rows = [(r['robust_p'][0], f"| {r['method']} | {fmt(r['robust_p'])} | {fmt(r['coarse_p'])} | {fmt(r['cross_p'])} | {fmt(r['judge_p'])} | {fmt(r['saturation'])} | {fmt(r['contrast'])} | {fmt(r['grain'])} | "
                               f"{r['reads']}/{r['runs']} | {r['hit']}/{r['runs']} | {r['flags']['neon']}/{r['flags']['haze']}/{r['flags']['high-freq']} | {r['sec']:.1f} | {r['rss']:.0f} |") for r in summary]
    carried = read_carry(a.carry, methods, classes, dict(p.split('=') for p in a.carry_as.split(',') if p)) if a.carry else None
    if carried: rows += [(float(line.split('|')[2].split()[0]), line) for line in carried['table']]
    table += [line for _, line in sorted(rows, key=lambda t: -t[0])]
    table.append(f"| photographs (lesson 00b's {len(photo_grain)}, for grain) | | | | | | | {min(photo_grain.values()):.3f}–{max(photo_grain.values()):.3f} | | | | | |")
    print('\n' + '\n'.join(table))
    (tmp / 'summary.json').write_text(json.dumps(dict(summary=summary, per_class=per_class), indent=1, default=str))
    if a.results: write_results(a, summary, per_class, table, classes, seeds, skipped, carried, photo_grain)
    if a.save and thumbs:
        import torchvision
        from das_tutorial.core import save_image
        path = Path(a.save) / 'grid.png'
        save_image(torchvision.utils.make_grid(torch.cat(thumbs), nrow=len(classes), padding=2)[None], path)
        print(f'wrote {path}: one row per method ({", ".join(r["method"] for r in summary)}), one column per class, seed {seeds[0]}')
        for k in range(0, len(classes), 5):      # full size (224 px shown at 224 px), five classes a file, every method a row
            path = Path(a.save) / f'full_{k // 5 + 1}.jpg'
            labelled_grid({m: (ims[k:k + 5], rs[k:k + 5]) for m, (ims, rs) in labelled.items()}, classes[k:k + 5], path)
            print(f'wrote {path}: full size, labelled, classes {", ".join(classes[k:k + 5])}, seed {seeds[0]}')


def labelled_grid(by_method, classes, path, label=True):
    """One row per method, one column per class, every picture at its own size (no scaling), with the method and the class above
    it and robust p, coarse p and the panel's verdict below (`label=False`: pictures only, for a blind look)."""
    from PIL import Image, ImageDraw
    from das_tutorial.core import to_pil, write_atomically
    names = list(by_method); side = next(iter(by_method.values()))[0].shape[-1]
    top, cap, gap = (18, 30, 6) if label else (0, 0, 6)
    W, H = len(classes) * (side + gap) + gap, len(names) * (side + top + cap + gap) + gap
    canvas = Image.new('RGB', (W, H), 'white'); draw = ImageDraw.Draw(canvas)
    for i, m in enumerate(names):
        ims, rows = by_method[m]
        for j, c in enumerate(classes):
            x, y = gap + j * (side + gap), gap + i * (side + top + cap + gap)
            canvas.paste(to_pil(ims[j]), (x, y + top))
            if label:
                draw.text((x, y + 2), f'{m}: {c}', fill='black')
                if rows: draw.text((x, y + top + side + 2), f"robust {rows[j]['robust_p']:.2f} coarse {rows[j]['coarse_p']:.2f}\n{rows[j]['verdict']}", fill='black')
    write_atomically(path, lambda f: canvas.save(f, format='JPEG', quality=92) if str(path).lower().endswith(('.jpg', '.jpeg')) else canvas.save(f, format='PNG'))
    return path


def unwritable(path):
    "Why no file can be written at `path` (None if one can): a folder, a missing folder, or one where no file can be created."
    p = Path(path)
    if str(path).endswith('/') or p.is_dir(): return f'{path} is a folder; give a file name'
    folder = p.parent
    while not folder.exists() and folder != folder.parent: folder = folder.parent   # --save folders are created
    try: tempfile.TemporaryFile(dir=folder).close()
    except OSError as e: return f'cannot write {path}: no file can be created in {folder} ({e.strerror or e})'
    return None


def read_carry(path, methods, classes, rename={}):
    """From an earlier results.md: the main table's and the per-class table's rows, and the settings lines, of every method not
    in `methods` (marked † in the method column; `rename` maps an old method name to its name now), and that file's command
    line. Its per-class columns must be `classes`."""
    text = Path(path).read_text().splitlines()
    command = next((l for l in text if l.startswith('Command:')), 'Command: (not recorded)')
    name = lambda line: (lambda m: rename.get(m, m))(line.split('|')[1].strip().rstrip(' †'))
    tables, current = [], None
    for line in text:
        if line.startswith('| method |'): current = []; tables.append((line, current))
        elif current is not None and line.startswith('|') and not line.startswith('|---'): current.append(line)
        elif not line.startswith('|'): current = None
    main_head, main = next((head, rows) for head, rows in tables if 'robust p' in head)
    head, per = next(((h, rows) for h, rows in tables if 'robust p' not in h and 'DAS setting' not in h), (None, []))
    if head is not None and [c.strip() for c in head.split('|')[2:-1]] != list(classes):
        sys.exit(f'error: --carry {path} has per-class columns {head.split("|")[2:-1]}, not these classes')
    cols = [c.strip() for c in main_head.split('|')]
    if 'grain' not in cols:   # an earlier table without the grain column: a dash there
        at = cols.index('contrast')
        main[:] = ['|'.join(l.split('|')[:at + 1] + [' — '] + l.split('|')[at + 1:]) for l in main]
    mark = lambda line: '| ' + name(line) + ' † |' + line.split('|', 2)[2]
    keep = lambda rows: [mark(l) for l in rows if name(l) not in methods]
    settings = [l for l in text if l.startswith('- **')]
    settings = ['- **' + rename.get(l[4:].split('**')[0], l[4:].split('**')[0]) + '**' + l[4:].split('**', 1)[1] for l in settings]
    settings = [l for l in settings if l[4:].split('**')[0] not in methods]
    return dict(table=keep(main), per_class=keep(per), settings=settings, command=command.removeprefix('Command: '), path=path)


def write_results(a, summary, per_class, table, classes, seeds, skipped, carried=None, photo_grain=None):
    import platform, torch
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    lines = ["# Benchmark: the course's methods and the peer packages, judged by the panel", '',
             f'Command: `{" ".join(["python", "bench/peers.py"] + sys.argv[1:])}` (after `bash bench/setup_peers.sh`), finished {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.', '',
             f'Machine: {cpu}, {os.cpu_count()} cores, CPU only, torch {torch.__version__}, {os.environ.get("BENCH_THREADS", "1")} torch thread per worker, '
             f'{a.jobs} workers at a time (so the seconds are slower than an idle machine would give).', '',
             f'Source model tf_efficientnet_lite0. {len(classes)} classes ({", ".join(classes)}) × {len(seeds)} seeds ({", ".join(map(str, seeds))}); {a.size} px; '
             f'**{a.evals} model image-evaluations per image** for every method. Each cell: the mean over classes for each seed, then the mean over seeds ± the '
             'standard deviation of those per-seed means. robust p = the judge (lite2) averaged over five perturbations (das_tutorial.evaluate.PERTURBATIONS); '
             'cross p = the same for lite1; saturated values = fraction of pixel values within 0.01 of 0 or 1; flags: neon (>10% saturated), '
             'haze (RMS contrast < 0.08), noise (spectral slope > -1); grain = share of the luminance spectrum\'s power above 0.25 cycles per pixel '
             '(das_tutorial.evaluate.grain), with the calibration photos\' range in its own row' + (' (' + ', '.join(f'{k} {v:.3f}' for k, v in photo_grain.items()) + ')' if photo_grain else '') + '. Sorted by robust p.', '']
    lines += table + ['']
    if carried and carried['table']:
        lines += [f'† Carried from an earlier run, not re-run or re-judged here (its images are gone): the rows of `{carried["path"]}` as it was before this run. '
                  f'That run\'s command: {carried["command"]}', '']
    if skipped: lines += ['Not run: ' + '; '.join(f'{m} ({w})' for m, w in skipped), '']
    lines += ['## Robust p per class (mean over seeds)', '', '| method | ' + ' | '.join(classes) + ' |', '|---|' + '---|' * len(classes)]
    lines += [f'| {m} | ' + ' | '.join(f'{v[c]:.3f}' for c in classes) + ' |' for m, v in per_class.items()]
    if carried: lines += carried['per_class']
    lines += ['', '## Settings each method ran with', '']
    lines += [f'- **{r["method"]}**: ' + ', '.join(f'{k}={v}' for k, v in r['config'].items()) + (f'. {" ".join(METHODS[r["method"]].__doc__.split())}' if METHODS[r["method"]].__doc__ else '') for r in summary]
    if carried: lines += [l.replace('**: ', '** †: ', 1) if '† ' not in l.split(':')[0] else l for l in carried['settings']]
    if a.save: lines += ['', f'Pictures (seed {seeds[0]}): `{a.save}/grid.png` (96 px thumbnails, one row per method in the order of the runs) and, at full size with the panel\'s figures and verdict under each picture, `{a.save}/full_1.jpg`, `full_2.jpg`, ... (five classes each; JPEG at quality 92).']
    Path(a.results).write_text('\n'.join(lines) + '\n')
    print(f'wrote {a.results}')


if __name__ == '__main__':
    main()
