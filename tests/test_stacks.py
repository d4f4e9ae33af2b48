"The image stack: equal to the reference, decorrelated colour, raises its objective, rejects bad input with clear messages."
import pytest, torch
from das_tutorial.core import load_classifier, seed_everything, sample_image
from das_tutorial.stacks import *

model = load_classifier(device='cpu')


@pytest.mark.parametrize('size,n,resolutions', [(48, 1, None), (40, 2, None), (33, 1, [3, 7, 33])])
def test_fast_stack_equals_reference(size, n, resolutions):
    seed_everything(0)
    st = ImageStack(size, n=n, resolutions=resolutions)
    with torch.no_grad():
        for p in st.parameters(): p.normal_(0, 0.1)
    assert (st.raw() - stack_reference(st.layers(), size)).abs().max() < 1e-4
    assert st().shape == (n, 3, size, size)


def test_stack_starts_grey_and_rejects_bad_resolutions():
    for dec in (False, True): assert torch.allclose(ImageStack(16, decorrelate=dec)(), torch.full((1, 3, 16, 16), 0.5))
    with pytest.raises(ValueError, match='resolutions must lie'): ImageStack(16, resolutions=[1, 32])
    with pytest.raises(ValueError, match='step must be'): ImageStack(16, step=0)


def test_decorrelation_matrix():
    M = decorrelation_matrix()
    assert abs(M.norm(dim=0).max().item() - 1) < 1e-6
    grey_axis = to_rgb(torch.tensor([1., 0, 0]).view(1, 3, 1, 1), M).flatten()
    assert grey_axis.min() > 0.9 * grey_axis.max()         # the first axis is (nearly) brightness


def test_das_raises_the_target_logit():
    "The defaults' small learning rate is for 400 steps; in 12 steps a larger one shows the rise (each step sees other random views)."
    r = das('jellyfish', size=32, steps=12, lr=3e-3, model=model)
    score = [s[0] for s in r.history['score']]
    assert sum(score[-3:]) > sum(score[:3])
    assert r.image.shape == (1, 3, 32, 32) and 0 <= r.image.min() and r.image.max() <= 1 and r.evaluations == 12
    r = das('jellyfish', size=32, steps=3, model=model, **PUBLISHED)   # the settings as published: 8 views a step
    assert r.evaluations == 24


def test_das_needs_a_target_or_an_objective():
    with pytest.raises(ValueError, match='target class, or an `objective`'): das(None, size=32, steps=1, model=model)


def test_memory_estimate_grows_with_size():
    assert stack_bytes(224) < 2**30 and stack_bytes(10000) > 2**40


def test_layer_outputs_and_channel_objective_reject_missing_layer_and_channel():
    x = sample_image(32)
    assert layer_outputs(model, ['blocks.4'], x)['blocks.4'].shape[1] == 112
    with pytest.raises(KeyError, match='its blocks are'): ChannelObjective(model, 'nope.4', 0)(x)
    with pytest.raises(ValueError, match='channels'): ChannelObjective(model, 'blocks.4', 10_000)(x)


def test_cached_taps_and_the_fast_stack_change_no_picture(monkeypatch):
    """The stack's speed-ups change no picture: taps reused from the cache give the same bits as taps built afresh, and the fast
    stack gives the reference stack's picture within float tolerance (6 steps: over hundreds of steps any change of rounding, even
    the torch thread count, grows into another picture)."""
    import das_tutorial.stacks as S
    model = load_classifier(device='cpu')
    def run(**kw): return S.das('jellyfish', size=32, steps=6, model=model, seed=3, **kw).image
    settings = dict(default=dict(lr=0.01), published=S.PUBLISHED)
    cached = {k: run(**kw) for k, kw in settings.items()}
    assert (cached['default'] - 0.5).abs().max() > 0.05           # the pictures moved: the comparison means something
    S._taps.cache_clear()
    for k, kw in settings.items(): assert torch.equal(run(**kw), cached[k]), k
    class Reference(S.ImageStack):
        def __init__(self, *a, **kw): super().__init__(*a, **{**kw, 'fast': False})
    monkeypatch.setattr(S, 'ImageStack', Reference)
    assert (run(**settings['default']) - cached['default']).abs().max() < 0.02      # measured 0.001 at one torch thread, 0.008 at two


class _PreviousUpsampleSum(torch.autograd.Function):
    "The fast stack as it was before issue 23 (scales applied by autograd outside, `F.embedding_bag`): the oracle of the test below."
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


@pytest.mark.parametrize('size,n,alpha', [(64, 1, 1.0), (64, 1, 0.0), (37, 2, 1.0)])
def test_faster_stack_gives_the_same_bits(size, n, alpha):
    "Issue 23's changes to the step (scales inside the sparse sum, `torch.embedding_bag` called directly) compute the same bits: image and gradients."
    seed_everything(0)
    st = ImageStack(size, n=n, alpha=alpha, decorrelate=True)
    with torch.no_grad():
        for p in st.parameters(): p.normal_(0, 0.05)
    g = torch.randn(n, 3, size, size)
    def grads(raw):
        st.zero_grad(set_to_none=True); x = raw(); x.backward(g)
        return x.detach(), [p.grad.clone() for p in st.parameters()]
    new = grads(st.raw)
    old = grads(lambda: _PreviousUpsampleSum.apply(st, *st._tables()) + st._ones())
    assert torch.equal(new[0], old[0]) and all(torch.equal(a, b) for a, b in zip(new[1], old[1]))
