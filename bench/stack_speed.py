"""Image-stack speed on the CPU: reference loop vs fast stack vs the model (lite0, 8 views). Prints a markdown table.

Run: .venv/bin/python bench/stack_speed.py [--repeats 7]"""
import argparse, statistics, time
import torch
from das_tutorial.core import load_classifier
from das_tutorial.stacks import ImageStack, stack_reference
from das_tutorial.transforms import RandomViews

def timed(fn, repeats, warmup=2):
    "Median milliseconds of `fn()` (which does forward and backward) after `warmup` calls."
    for _ in range(warmup): fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return 1000 * statistics.median(ts)

def main(repeats=7, sizes=(224, 336), count=8):
    torch.set_num_threads(2); torch.manual_seed(0)
    model = load_classifier(device='cpu')
    views = RandomViews(count, jitter=56, noise=0.2, size=model.input_size)
    rows = []
    for R in sizes:
        st = ImageStack(R)
        with torch.no_grad():
            for p in st.parameters(): p.normal_(0, 0.05)
        diff = (st.raw() - stack_reference(st.layers(), R)).abs().max().item()
        def ref():
            st.zero_grad(); (torch.tanh(stack_reference(st.layers(), R)) * 1e-3).sum().backward()
        def fast():
            st.zero_grad(); (torch.tanh(st.raw()) * 1e-3).sum().backward()
        x = torch.rand(count, 3, model.input_size, model.input_size, requires_grad=True)
        def mdl():
            x.grad = None; model(x)[:, 107].sum().backward()
        def whole():
            st.zero_grad(); model(views(st()))[:, 107].sum().backward()
        t_ref, t_fast, t_model, t_step = (timed(f, repeats) for f in (ref, fast, mdl, whole))
        rows.append((R, len(st.resolutions), t_ref, t_fast, t_model, t_step, t_fast / t_model, diff))
    print(f'torch threads: {torch.get_num_threads()}, median of {repeats} after 2 warm-up calls; model = lite0 fwd+bwd on {count} views at 224\n')
    print('| R | layers | reference stack ms | fast stack ms | model ms | whole step ms | fast stack / model | max abs diff |')
    print('|---|---|---|---|---|---|---|---|')
    for r in rows: print('| {} | {} | {:.1f} | {:.1f} | {:.1f} | {:.1f} | {:.1%} | {:.1e} |'.format(*r))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--repeats', type=int, default=7)
    main(ap.parse_args().repeats)
