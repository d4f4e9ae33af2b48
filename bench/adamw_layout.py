"""torch's AdamW on the parameters of das's default stack (the 298 px canvas of a 224 px picture, 50 tables): one tensor per
table (as the course runs it), one flat tensor, `foreach` and `fused`; whether each gives the per-table run's bits, and the
median ms of a step (6 steps on random gradients).

    .venv/bin/python bench/adamw_layout.py
"""
import statistics, time
import torch
from das_tutorial.stacks import ImageStack

torch.set_num_threads(2)
st = ImageStack(298, decorrelate=True, alpha=1.0)
shapes = [p.shape for p in st.parameters()]
sizes = [s.numel() for s in shapes]; N = sum(sizes)
torch.manual_seed(0)
init = torch.randn(N) * 0.01
grads = [torch.randn(N) * torch.rand(N) ** 8 for _ in range(6)]    # many small gradients, as a stack's fine layers get


def run(flat, **kw):
    "Final parameters (flattened) and median ms per step of AdamW(lr=3e-4, **kw) on one flat tensor or one tensor per table."
    ps = [torch.nn.Parameter(init.clone())] if flat else [torch.nn.Parameter(t.clone().view(s)) for t, s in zip(init.split(sizes), shapes)]
    opt, ts = torch.optim.AdamW(ps, lr=3e-4, **kw), []
    for g in grads:
        if flat: ps[0].grad = g.clone()
        else:
            for p, gg in zip(ps, g.split(sizes)): p.grad = gg.clone().view(p.shape)
        t = time.perf_counter(); opt.step(); ts.append(time.perf_counter() - t)
    return torch.cat([p.detach().flatten() for p in ps]), 1000 * statistics.median(ts[1:])


ref, _ = run(False)
print(f'{len(sizes)} tensors, {N / 1e6:.2f} M parameters\n\n| AdamW | per table ms | flat ms | per table: same bits | flat: same bits |\n|---|---|---|---|---|')
for name, kw in (('single-tensor (default on CPU)', {}), ('foreach', dict(foreach=True)), ('fused', dict(fused=True))):
    (a, ta), (b, tb) = run(False, **kw), run(True, **kw)
    print(f'| {name} | {ta:.1f} | {tb:.1f} | {torch.equal(a, ref)} | {torch.equal(b, ref)} |')
