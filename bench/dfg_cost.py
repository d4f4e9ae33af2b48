"""Cost of lesson 07's DFG score term on the CPU: milliseconds per step (score forward + parameter gradient with a graph +
backward to the image, one image) for each parameter subset and each form of lambda, against one plain forward + backward of
the same model. Prints a markdown table.

Run: .venv/bin/python bench/dfg_cost.py [--sizes 128,224] [--repeats 3] [--threads 2]"""
import argparse, statistics, time
import torch
from das_tutorial.core import load_classifier
from das_tutorial.dfg import DFGScore

def timed(fn, repeats, warmup=2):
    "Median seconds of `fn()` after `warmup` calls (the first calls are much slower)."
    for _ in range(warmup): fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--sizes', default='128,224'); ap.add_argument('--repeats', type=int, default=3); ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    model = load_classifier(device='cpu')
    print(f'DFG score term, lite0, CPU, {a.threads} torch threads, median of {a.repeats} after 2 warm-up steps\n')
    print('| size | theta | parameters (M) | lambda | ms per step | × plain fwd+bwd |'); print('|---|---|---|---|---|---|')
    for size in (int(s) for s in a.sizes.split(',')):
        x = torch.rand(1, 3, size, size, requires_grad=True)
        plain = timed(lambda: model(x)[:, 1].sum().backward(), a.repeats)
        print(f'| {size} | (plain forward + backward) | – | – | {1000 * plain:.0f} | 1.0 |')
        for which in ('head', 'last', 'all'):
            for lam in ('const', 'loss'):
                S = DFGScore(model, which, lam=lam)
                s = timed(lambda: (-S(x)).sum().backward(), a.repeats)
                print(f'| {size} | {which} | {sum(t.numel() for t in S.theta) / 1e6:.2f} | {lam} | {1000 * s:.0f} | {s / plain:.1f} |', flush=True)

if __name__ == '__main__':
    main()
