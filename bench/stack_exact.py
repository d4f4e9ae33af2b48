"""The image stack's forward + backward at das's default canvas (298 px, alpha=1, decorrelated colour), the implementation before
issue 23 (`_PreviousUpsampleSum` below) against the current one, interleaved in one process so that
the machine's drift affects both alike; checks that both give the same bits.

    .venv/bin/python bench/stack_exact.py --threads 2
"""
import argparse, statistics, time
import torch
import das_tutorial.stacks as S


class _PreviousUpsampleSum(torch.autograd.Function):
    "The fast stack as it was before issue 23 (commit 6328eeb: scales applied by autograd outside, `F.embedding_bag`), kept here as what this script measures against."
    @staticmethod
    def forward(ctx, st, *tables):
        R, c, out = st.size, 3 * st.n, None
        for (K, w), P, cols, rows in zip(st.shapes, tables, st.cols, st.rows):
            y = torch.nn.functional.embedding_bag(cols.idx, P.view(-1, c * w), cols.off, mode='sum', per_sample_weights=cols.w)
            y = y.view(K, R, c * w).transpose(1, 2).contiguous().view(K * c * w, R)
            o = torch.nn.functional.embedding_bag(rows.idx, y, rows.off, mode='sum', per_sample_weights=rows.w)
            out = o if out is None else out.add_(o)
        ctx.st = st
        return out.view(st.n, 3, R, R)
    @staticmethod
    def backward(ctx, g):
        st = ctx.st; R, c = st.size, 3 * st.n
        g, grads = g.reshape(c * R, R), []
        for (K, w), colsT, rowsT in zip(st.shapes, st.colsT, st.rowsT):
            gy = torch.nn.functional.embedding_bag(rowsT.idx, g, rowsT.off, mode='sum', per_sample_weights=rowsT.w)
            gy = gy.view(K, c * w, R).transpose(1, 2).contiguous().view(K * R, c * w)
            grads.append(torch.nn.functional.embedding_bag(colsT.idx, gy, colsT.off, mode='sum', per_sample_weights=colsT.w).view(-1, c, w))
        return (None, *grads)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--threads', type=int, default=2); ap.add_argument('--side', type=int, default=298); ap.add_argument('--repeats', type=int, default=40)
    a = ap.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    st = S.ImageStack(a.side, alpha=1.0, decorrelate=True)
    with torch.no_grad():
        for p in st.parameters(): p.normal_(0, 0.05)
    g = torch.randn(1, 3, a.side, a.side)
    paths = dict(previous=lambda: _PreviousUpsampleSum.apply(st, *st._tables()) + st._ones(), current=lambda: st.raw())
    out, t = {}, {k: [] for k in paths}
    for i in range(a.repeats + 5):
        for k, f in paths.items():
            st.zero_grad(set_to_none=True); t0 = time.perf_counter(); x = f(); x.backward(g); dt = time.perf_counter() - t0
            if i >= 5: t[k].append(1000 * dt)
            out[k] = (x.detach(), [p.grad for p in st.parameters()])
    same = torch.equal(out['previous'][0], out['current'][0]) and all(torch.equal(u, v) for u, v in zip(out['previous'][1], out['current'][1]))
    print(f'{a.side} px stack, {a.threads} threads, {a.repeats} interleaved repeats; same bits: {same}')
    for k, v in t.items():
        q = statistics.quantiles(v, n=4)
        print(f'| {k} | {statistics.median(v):.1f} ms | quartiles {q[0]:.1f}-{q[2]:.1f} |')


if __name__ == '__main__': main()
