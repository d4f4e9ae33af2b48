"""What a DAS step costs against the model's own forward and backward pass, and where the rest of the time goes.

For each setting (`default`: the `das` recipe's defaults; `before`: the defaults before issue 30 — one view a step through
crops of a 298-px canvas, torch's per-tensor AdamW; `blog 224`, on request: `BLOG_224`, the blog post's snippet at 224 px,
16 views a step and SGD), each picture size and each torch thread count, in one process:
- `step ms`: the median wall time of one step of a real `das` run (time between consecutive callbacks, after a warm-up);
- `model ms`: lite0's forward and backward on a leaf tensor of the same shapes as the views that steps showed the model (the
  views have random sizes: the same sizes are replayed), in the memory format the run gave them (channels-last views since
  issue 30; the weights as loaded);
- the step taken apart on the run's own objects (captured from `ascend`): stack forward, views forward, model forward, model
  backward, views backward, stack backward, optimiser (gradient clip + optimiser step); `other` = step - the parts (what the parts
  timed one by one leave over; the loop's bookkeeping is 0.4 ms of it, `bench/bookkeeping.py`);
- `model cl`: lite0 forward and backward with its weights as well as its inputs in `channels_last` (not used by the recipe).
Then the seconds per image of `das` and of torch-dreams at the same budget (400 evaluations, 224 px), run back to back, each in
its own process (`bench/peers.py --worker`), if the peer environment exists.

    .venv/bin/python bench/das_speed.py --sizes 224,336 --threads 2 --steps 30 --repeats 10   # the table in das_speed.md (2 cores)
    .venv/bin/python bench/das_speed.py --sizes 224 --threads 2 --no-peers --settings "default,blog 224"
    python bench/das_speed.py --device cuda --random-weights --sizes 224,336 --threads 2 --count 16 --settings "default,before" --no-peers   # on a GPU
`--random-weights` builds lite0 untrained (timm, no download): the same arithmetic, for timing on a machine without the weights package.
"""
import argparse, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import torch

HERE = Path(__file__).resolve().parent
DEVICE = 'cpu'


def now():
    "A timestamp after the device has finished its queued work (CUDA runs asynchronously)."
    if DEVICE.startswith('cuda'): torch.cuda.synchronize()
    return time.perf_counter()
def per_tensor_adamw(params, lr): return torch.optim.AdamW(params, lr=lr)   # torch's AdamW, one tensor at a time (not fused)
# the defaults before issue 30, written out (every one of them differs from today's or may come to)
BEFORE = dict(count=1, jitter=1/6, noise=0.2, noise_kind='uniform', canvas=True, step=4, lr=3e-4, optimizer=per_tensor_adamw, grad_clip=1.0,
              alpha=1.0, angle=15.0, resize_min=0.5, resize_max=1.2, score='cosine', decorrelate=True)
SETTINGS = {'default': {}, 'before': BEFORE}


def capture(das, model, size, steps, **kw):
    "Run `das` for `steps` steps; returns (step times in s, the objects `ascend` was given)."
    import das_tutorial.stacks as S
    got, stamps, real = {}, [], S.ascend
    def spy(param, objective, **a): got.update(param=param, objective=objective, **a); return real(param, objective, **a)
    S.ascend = spy
    try: das('jellyfish', size=size, steps=steps, model=model, seed=0, callback=lambda *a: stamps.append(now()) and False, **kw)
    finally: S.ascend = real
    return [b - a for a, b in zip(stamps, stamps[1:])], got


def parts(got, model, repeats):
    "Median ms of each part of a step, on the run's own stack, views and objective; and the view shapes seen."
    from das_tutorial.ascent import make_optimizer
    param, objective, transform = got['param'], got['objective'], got['transform']
    params = [p for p in param.parameters() if p.requires_grad]
    opt = make_optimizer(got['optimizer'], params, got['lr'])
    t = {k: [] for k in ('stack fwd', 'views fwd', 'model fwd', 'model bwd', 'views bwd', 'stack bwd', 'optimiser')}
    shapes = []
    for i in range(repeats + 2):
        c = [now()]
        opt.zero_grad(set_to_none=True)
        image = param(); c.append(now())
        views = transform(image); c.append(now())
        score = objective(views).sum(); c.append(now())
        g_views, = torch.autograd.grad(-score, views); c.append(now())
        g_image, = torch.autograd.grad(views, image, g_views); c.append(now())
        image.backward(g_image); c.append(now())
        if got.get('grad_clip'): torch.nn.utils.clip_grad_norm_(params, got['grad_clip'])
        opt.step(); c.append(now())
        if i >= 2:
            for k, a, b in zip(t, c, c[1:]): t[k].append(1000 * (b - a))
            shapes.append(tuple(views.shape)); cl = views.is_contiguous(memory_format=torch.channels_last) and not views.is_contiguous()
    return {k: statistics.median(v) for k, v in t.items()}, shapes, cl


def model_ms(model, shapes, input_cl=False, weights_cl=False):
    "Median ms of lite0's forward + backward on leaf tensors of these shapes (the views a run showed the model), inputs and weights in the given memory formats."
    import copy
    if weights_cl: model = copy.deepcopy(model); model.model.to(memory_format=torch.channels_last)
    ts = []
    for s in shapes[:2] + shapes:
        x = torch.rand(s, device=DEVICE).contiguous(memory_format=torch.channels_last if input_cl else torch.contiguous_format).requires_grad_()
        t = now(); model(x)[:, 107].sum().backward(); ts.append(1000 * (now() - t))
    return statistics.median(ts[2:])


def per_image(method, evals, size):
    "Seconds per image of one `bench/peers.py` method, in its own process (224 px, one class, one seed)."
    peers = HERE / 'peers.py'
    py = HERE / '.peers' / 'bin' / 'python' if method == 'torch_dreams' else Path(sys.executable)
    if not py.exists(): return None
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / 'r.pt'
        subprocess.run([str(py), str(peers), '--worker', method, '--out', str(out), '--classes', 'jellyfish', '--seeds', '0', '--evals', str(evals), '--size', str(size)],
                       check=True, env=dict(os.environ, BENCH_THREADS=str(torch.get_num_threads()), TQDM_DISABLE='1'), capture_output=True)
        return torch.load(out)['seconds'][0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--sizes', default='128,224,336'); ap.add_argument('--threads', default='1,2')
    ap.add_argument('--steps', type=int, default=40, help='steps of the timed das run (the first 5 are warm-up)')
    ap.add_argument('--repeats', type=int, default=15, help='repeats of the step taken apart')
    ap.add_argument('--settings', default='default,before'); ap.add_argument('--no-peers', action='store_true')
    ap.add_argument('--random-weights', action='store_true', help='lite0 untrained (timing only; no weights package needed)')
    ap.add_argument('--count', type=int, default=None, help='views per step for every setting (e.g. 16 on a GPU, as the blog post)')
    ap.add_argument('--device', default='cpu', help="'cuda' on a GPU machine (the peers' comparison runs on the CPU)")
    a = ap.parse_args()
    global DEVICE; DEVICE = a.device
    from das_tutorial.core import load_classifier, Normalized
    from das_tutorial.stacks import das, BLOG_224
    SETTINGS['blog 224'] = {k: v for k, v in BLOG_224.items() if k not in ('size', 'steps')}   # the post's snippet at 224 px
    if a.random_weights:
        import timm
        model = Normalized(timm.create_model('tf_efficientnet_lite0', pretrained=False), (0.5,) * 3, (0.5,) * 3, 224, name='tf_efficientnet_lite0 (untrained: timing only)').to(DEVICE)
    else: model = load_classifier(device=DEVICE)
    cols = ('stack fwd', 'views fwd', 'model fwd', 'model bwd', 'views bwd', 'stack bwd', 'optimiser')
    print(f'torch {torch.__version__}, {os.cpu_count()} cores, device {DEVICE}' + (f' ({torch.cuda.get_device_name()})' if DEVICE.startswith('cuda') else '') + '; medians in ms\n')
    print('| setting | views | px | threads | step ms | model ms | step / model | ' + ' | '.join(cols) + ' | other | model cl |')
    print('|---|---|---|---|---|---|---|' + '---|' * (len(cols) + 2))
    for threads in [int(t) for t in a.threads.split(',')]:
        torch.set_num_threads(threads)
        for name in a.settings.split(','):
            for size in [int(s) for s in a.sizes.split(',')]:
                dts, got = capture(das, model, size, a.steps, **{**SETTINGS[name], **({'count': a.count} if a.count else {})})
                step = 1000 * statistics.median(dts[5:])
                p, shapes, cl = parts(got, model, a.repeats)
                m, mcl = model_ms(model, shapes, input_cl=cl), model_ms(model, shapes, input_cl=True, weights_cl=True)
                other = step - sum(p[k] for k in cols)
                views = shapes[0][0]
                print(f"| {name} | {views} | {size} | {threads} | {step:.1f} | {m:.1f} | {step / m:.2f} | " + ' | '.join(f'{p[k]:.1f}' for k in cols)
                      + f" | {other:.1f} | {mcl:.1f} |", flush=True)
    if not a.no_peers:
        print('\n| method | s / image (224 px, 400 evaluations, one class, run back to back) |\n|---|---|')
        for method in ('das', 'torch_dreams', 'das', 'torch_dreams'):
            s = per_image(method, 400, 224)
            print(f'| {method} | {"peer env missing: bash bench/setup_peers.sh" if s is None else f"{s:.1f}"} |', flush=True)


if __name__ == '__main__': main()
