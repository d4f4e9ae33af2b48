"""Benchmark: this project's methods against the reference DAS code path and the real peer packages from PyPI.

Every method optimises the *same* source model (the offline `tf_efficientnet_lite0`, `das_tutorial.core.load_classifier`,
frozen, taking images in [0, 1]) towards the *same* target classes with the *same* number of model image-evaluations per
image (`--evals`, default 400: a method that shows the model V views per step gets `evals // V` steps). The results are
judged by a different model, `das_tutorial.core.judge_score` (tf_efficientnet_lite2), and printed as one markdown table.

Each method runs in its own subprocess (isolation, and an honest peak-memory figure: the worker's peak resident set
size from `resource.getrusage(RUSAGE_SELF).ru_maxrss`, which includes torch and the source model). Peer methods run with
the peer environment's python, created by `bash bench/setup_peers.sh`.

    bash bench/setup_peers.sh                        # once: creates bench/.peers (needs the project's .venv)
    .venv/bin/python bench/peers.py                  # full run
    .venv/bin/python bench/peers.py --classes 2 --evals 80 --methods das,reference_das,lucent
"""
import argparse, inspect, json, os, resource, subprocess, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PEER_PYTHON = HERE / '.peers' / 'bin' / 'python'
if str(REPO) not in sys.path: sys.path.insert(0, str(REPO))

# Ten classes: the lessons' five plus five more, spread over animals, food, objects and scenes.
CLASSES = ('jellyfish', 'goldfish', 'tarantula', 'pizza', 'volcano',
           'flamingo', 'lemon', 'castle', 'monarch', 'school bus')
SIZE, VIEWS = 224, 8
SEED = 0


# ----------------------------------------------------------------------------------------------------------------
# Shared pieces
# ----------------------------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------------------------
# Methods: name -> function(model, target_index, evals, size) -> (1, 3, size, size) image in [0, 1]
# ----------------------------------------------------------------------------------------------------------------
def _project_entry(module_name):
    "The lesson's generating function: `generate`, else `<module>_run` (e.g. `priors_run`), else `<module minus s>_run`."
    import importlib
    mod = importlib.import_module(f'das_tutorial.{module_name}')
    for name in ('generate', f'{module_name}_run', f'{module_name.rstrip("s")}_run'):
        if callable(getattr(mod, name, None)): return getattr(mod, name)
    raise AttributeError(f'das_tutorial.{module_name} has no generate / {module_name}_run')


def _project_generate(module_name, model, target, evals, size, **fixed):
    "Call the lesson's generating function with the evaluation budget split as steps x count (its own defaults otherwise)."
    gen = _project_entry(module_name)
    params = inspect.signature(gen).parameters
    kw = dict(size=size)
    default = lambda name, fallback: params[name].default if params[name].default is not inspect.Parameter.empty else fallback
    if 'count' in params:          # views per step: keep the lesson's default, split the budget into steps
        kw['count'] = default('count', VIEWS)
        kw['steps'] = max(1, evals // kw['count'])
    elif 'n_octaves' in params:    # `steps` is per octave: split the budget over the lesson's default number of octaves
        kw['steps'] = max(1, evals // default('n_octaves', 3))
    else: kw['steps'] = evals
    for k, v in dict(model=model, progress=False, **fixed).items():
        if k in params: kw[k] = v
    kw = {k: v for k, v in kw.items() if k in params}
    run = gen(target, **kw)
    img = getattr(run, 'image', run)
    return img.detach()[:1], dict({k: v for k, v in kw.items() if k != 'model'}, entry=f'{gen.__module__}.{gen.__name__}')


def m_naive(model, target, evals, size):
    "Lesson 01: naive pixel ascent, sign-gradient steps of 2/255 from noise, 1 view per step."
    from das_tutorial.ascent import ascend, PixelImage, noise_image, ClassLogit
    run = ascend(PixelImage(noise_image(size)), ClassLogit(model, target), steps=evals, lr=2 / 255, optimizer='sign', progress=False)
    return run.image, dict(steps=evals, views=1, lr=2 / 255, optimizer='sign')


def m_das(model, target, evals, size):
    "This project's DAS default: das_tutorial.stacks.generate with its own defaults, budget as steps x 8 views."
    return _project_generate('stacks', model, target, evals, size)


def m_priors(model, target, evals, size):
    "Lesson 02 (smoothness priors: L1, TV, blur on pixels, Adam), its own defaults; 1 view per step."
    return _project_generate('priors', model, target, evals, size)


def m_transforms(model, target, evals, size):
    "Lesson 03 (pixels seen through random views: jitter, scale, rotation, colour, noise), its own defaults (1 view per step)."
    return _project_generate('transforms', model, target, evals, size)


def m_octaves(model, target, evals, size):
    "Lesson 04 (das_tutorial.octaves.octaves_run: 3 octaves 56/112/224 px, Adam, blur, crops), its own defaults; the budget is split evenly over the octaves (each evaluation counted once whatever its size)."
    return _project_generate('octaves', model, target, evals, size)


def m_reference_das(model, target, evals, size, lr=0.2, jitter=None, noise=0.2):
    """Our own re-implementation of the DAS code path in the seed blog post: zero-initialised layers at resolutions
    range(1, size+1, 4), each upsampled to `size` (bicubic; nearest for 1x1) and summed, squashed by (tanh+1)/2, plain SGD,
    `VIEWS` jittered+noised views per step, loss = -mean target logit. The seed's jitter is 56 px at 336 px: we scale it
    to size/6. SGD lr 0.2: the seed's 0.005 (for 336 px, 16 views, another model) barely moves in 50 steps here; a sweep on
    jellyfish at 50 x 8 gave judge p 0.065 / 0.005 / 0.665 / 0.151 for lr 0.005 / 0.05 / 0.2 / 1.0 (goldfish: 0.120 at 0.2,
    0.104 at 1.0), so 0.2."""
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


# ---- peers (run in bench/.peers) -------------------------------------------------------------------------------------
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
    import torch
    import horama
    steps = max(1, evals // VIEWS)
    img, _ = horama.fourier(_target_logit(model, target), total_steps=steps, image_size=size, model_input_size=size,
                            values_range=(0.0, 1.0), box_size=(0.8, 0.9), crops_per_iteration=VIEWS, device='cpu')
    return img.detach()[None], dict(steps=steps, views=VIEWS, lr=1.0, optimizer='NAdam', mode='fourier', box_size=(0.8, 0.9))


def m_imstack(model, target, evals, size):
    """imstack: the ImStack parameterisation as its README creates it (ImStack(n_layers=3): 32/64/128 px layers, upsampled
    to `size`, summed, sigmoid; its own noise init) optimised as its README says: Adam lr 0.1, weight_decay 1e-4. imstack ships no augmentations, so it gets the same `VIEWS` jittered+noised views as the
    reference DAS path (the comparison is then about the parameterisation)."""
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


# The lessons still being written (stacks, octaves) come last, so a long run picks them up if they land meanwhile.
METHODS = dict(reference_das=m_reference_das, naive=m_naive, priors=m_priors,
               lucent=m_lucent, torch_dreams=m_torch_dreams, horama=m_horama, imstack=m_imstack, transforms=m_transforms, octaves=m_octaves, das=m_das)
PEERS = {'lucent', 'torch_dreams', 'horama', 'imstack'}


# ----------------------------------------------------------------------------------------------------------------
# Worker: one method, all classes, in this process
# ----------------------------------------------------------------------------------------------------------------
def worker(method, classes, evals, size, out):
    import torch
    from das_tutorial.core import load_classifier, class_index, seed_everything
    torch.set_num_threads(int(os.environ.get('BENCH_THREADS', '1')))
    model = load_classifier('tf_efficientnet_lite0', device='cpu')
    fn = METHODS[method]
    images, seconds, config = [], [], None
    for name in classes:
        seed_everything(SEED)
        t = class_index(name)
        start = time.perf_counter()
        img, config = fn(model, t, evals, size)
        seconds.append(time.perf_counter() - start)
        img = img.detach().float().clamp(0, 1)
        if img.shape[-1] != size:
            img = torch.nn.functional.interpolate(img, size=(size, size), mode='bicubic', align_corners=False).clamp(0, 1)
        images.append(img.cpu())
        print(f'  {method}: {name} {seconds[-1]:.1f}s', flush=True)
    torch.save(dict(images=torch.cat(images), seconds=seconds, classes=list(classes), evals=evals, size=size, config={k: str(v) for k, v in (config or {}).items()},
                    maxrss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), out)


def importable(method):
    "Why a method cannot run here (None if it can)."
    py = PEER_PYTHON if method in PEERS else Path(sys.executable)
    if method in PEERS and not PEER_PYTHON.exists(): return 'peer env missing: run `bash bench/setup_peers.sh`'
    mod = dict(das='das_tutorial.stacks', priors='das_tutorial.priors', octaves='das_tutorial.octaves', transforms='das_tutorial.transforms',
               lucent='lucent', torch_dreams='torch_dreams', horama='horama', imstack='imstack').get(method)
    if mod is None: return None
    code = f'import {mod}'
    if method in ('das', 'priors', 'octaves', 'transforms'):
        code = f'import sys; sys.path.insert(0, {str(HERE)!r}); import peers; peers._project_entry({mod.split(".")[1]!r})'
    r = subprocess.run([str(py), '-c', code], cwd=REPO, capture_output=True, text=True)
    return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ['import failed'])[-1]


def main():
    global VIEWS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--classes', type=int, default=len(CLASSES), help=f'first N of {CLASSES}')
    ap.add_argument('--evals', type=int, default=400, help='model image-evaluations per image (steps x views)')
    ap.add_argument('--views', type=int, default=VIEWS, help='views per step for multi-view methods')
    ap.add_argument('--size', type=int, default=SIZE)
    ap.add_argument('--methods', default=','.join(METHODS), help='comma-separated subset of ' + ','.join(METHODS))
    ap.add_argument('--save', default=None, help='folder to save each method\'s images (PNG grid per method)')
    ap.add_argument('--results', default=None, help='also write the table, per-class probabilities and settings to this markdown file')
    ap.add_argument('--classes-for', default='', help='per-method class counts overriding --classes, e.g. lucent=5,horama=5')
    ap.add_argument('--work', default=None, help='folder for the workers\' outputs; a method whose output is already there '
                    '(same classes, evaluations and size) is not run again but judged from it')
    ap.add_argument('--jobs', type=int, default=1, help='methods run at the same time (each worker uses BENCH_THREADS torch threads, default 1)')
    ap.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    ap.add_argument('--out', default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    VIEWS = a.views
    classes = CLASSES[:a.classes]
    if a.worker: return worker(a.worker, classes, a.evals, a.size, a.out)

    methods = [m.strip() for m in a.methods.split(',') if m.strip()]
    bad = [m for m in methods if m not in METHODS]
    if bad: sys.exit(f'Unknown methods {bad}: choose from {list(METHODS)}')
    import torch
    torch.set_num_threads(int(os.environ.get('BENCH_THREADS', '1')))
    from das_tutorial.core import judge_score, class_index
    print(f'# {len(classes)} classes, {a.evals} model image-evaluations per image, {a.size} px, {VIEWS} views/step for multi-view methods', flush=True)
    n_for = {k.strip(): int(v) for k, v in (kv.split('=') for kv in a.classes_for.split(',') if kv.strip())}
    rows, skipped, thumbs = [], [], []
    tmp = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix='das_peers_'))
    tmp.mkdir(parents=True, exist_ok=True)
    all_classes = classes
    def run_method(m):
        "Run (or reuse) one method's worker; returns its saved outputs, or None (recorded in `skipped`)."
        classes = all_classes[:n_for.get(m, len(all_classes))]
        out = tmp / f'{m}.pt'
        res = torch.load(out) if out.exists() else None
        if res is not None and (res.get('classes'), res.get('evals'), res.get('size')) == (list(classes), a.evals, a.size):
            print(f'REUSE {m} from {out}', flush=True); return res
        why = importable(m)
        if why: print(f'SKIP {m}: {why}', flush=True); skipped.append((m, why)); return None
        py = PEER_PYTHON if m in PEERS else Path(sys.executable)
        cmd = [str(py), str(Path(__file__).resolve()), '--worker', m, '--out', str(out), '--classes', str(len(classes)),
               '--evals', str(a.evals), '--views', str(VIEWS), '--size', str(a.size)]
        print(f'RUN {m} ({py}), {len(classes)} classes', flush=True)
        if out.exists(): out.unlink()
        r = subprocess.run(cmd, cwd=REPO, env=dict(os.environ, TQDM_DISABLE='1'))
        if r.returncode or not out.exists():
            print(f'FAIL {m}: exit {r.returncode}', flush=True); skipped.append((m, f'failed, exit {r.returncode}')); return None
        return torch.load(out)
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max(a.jobs, 1)) as pool: results = dict(zip(methods, pool.map(run_method, methods)))
    for m in methods:
        classes = all_classes[:n_for.get(m, len(all_classes))]
        res = results[m]
        if res is None: continue
        j = judge_score(res['images'], [class_index(c) for c in classes])
        p = j.prob
        hit = sum(int(t == class_index(c)) for t, c in zip(j.top1, classes)) / len(classes)
        row = dict(method=m, n=len(classes), mean_p=p.mean().item(), median_p=p.median().item(), top1=hit,
                   sec=sum(res['seconds']) / len(res['seconds']), rss=res['maxrss_mb'], config=res['config'],
                   per_class=dict(zip(classes, [round(v, 3) for v in p.tolist()])))
        rows.append(row)
        print(f'  {m}: mean p {row["mean_p"]:.3f}  config {row["config"]}  per class {row["per_class"]}', flush=True)
        if a.save:
            from das_tutorial.core import save_image
            import torchvision
            Path(a.save).mkdir(parents=True, exist_ok=True)
            save_image(torchvision.utils.make_grid(res['images'], nrow=len(classes), padding=2)[None], Path(a.save) / f'{m}.png')
            th = torch.nn.functional.interpolate(res['images'], size=(96, 96), mode='bilinear', antialias=True, align_corners=False)
            thumbs.append(torch.cat([th, torch.ones(len(all_classes) - len(th), *th.shape[1:])]))
    classes = all_classes
    table = ['| method | classes | judge p mean | judge p median | judge top-1 | s / image | peak RSS (MB) |', '|---|---|---|---|---|---|---|']
    table += [f'| {r["method"]} | {r["n"]} | {r["mean_p"]:.3f} | {r["median_p"]:.3f} | {r["top1"]:.0%} | {r["sec"]:.1f} | {r["rss"]:.0f} |' for r in rows]
    print('\n' + '\n'.join(table))
    (tmp / 'rows.json').write_text(json.dumps(rows, indent=1))
    print(f'\n(raw rows: {tmp / "rows.json"}; worker outputs in {tmp}: pass --work {tmp} to reuse them)')
    if a.results: write_results(a, rows, table, classes, skipped)
    if a.save and thumbs:
        import torchvision
        from das_tutorial.core import save_image
        path = Path(a.save) / 'grid.png'
        save_image(torchvision.utils.make_grid(torch.cat(thumbs), nrow=len(classes), padding=2)[None], path)
        print(f'wrote {path}: one row per method ({", ".join(r["method"] for r in rows)}), one column per class')


def write_results(a, rows, table, classes, skipped):
    import platform, torch
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    lines = ['# Benchmark: DAS vs. the lessons\' methods and the peer packages', '',
             f'Command: `{" ".join(["python", "bench/peers.py"] + sys.argv[1:])}` (after `bash bench/setup_peers.sh`), finished {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.', '',
             f'Machine: {cpu}, {os.cpu_count()} cores, CPU only, torch {torch.__version__}, {os.environ.get("BENCH_THREADS", "1")} torch thread per worker; '
             f'load average at the end {os.getloadavg()[0]:.1f}.', '',
             f'Source model tf_efficientnet_lite0; judge tf_efficientnet_lite2 (`judge_score`); {len(classes)} classes: {", ".join(classes)} '
             f'(a method run on fewer, see the `classes` column, got the first N); '
             f'{a.size} px; **{a.evals} model image-evaluations per image** for every method (multi-view methods: {a.evals // VIEWS} steps x {VIEWS} views; '
             f'single-view methods: {a.evals} steps x 1 view). Peak RSS = `ru_maxrss` of the method\'s worker process (includes torch and the source model, ~0.9 GB).', '']
    lines += table + ['']
    if skipped: lines += ['Not run: ' + '; '.join(f'{m} ({w})' for m, w in skipped), '']
    lines += ['## Per class judge probability', '', '| method | ' + ' | '.join(classes) + ' |', '|---|' + '---|' * len(classes)]
    lines += [f'| {r["method"]} | ' + ' | '.join(f'{r["per_class"][c]:.3f}' if c in r['per_class'] else '-' for c in classes) + ' |' for r in rows]
    lines += ['', '## Settings each method ran with', '']
    lines += [f'- **{r["method"]}**: ' + ', '.join(f'{k}={v}' for k, v in r['config'].items()) + (f'. {" ".join(METHODS[r["method"]].__doc__.split())}' if METHODS[r["method"]].__doc__ else '') for r in rows]
    Path(a.results).write_text('\n'.join(lines) + '\n')
    print(f'wrote {a.results}')


if __name__ == '__main__':
    main()
