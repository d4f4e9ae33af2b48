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
    "The defaults' small learning rate is for 100 steps; in 12 steps a larger one shows the rise (each step sees other random views)."
    r = das('jellyfish', size=32, steps=12, lr=3e-3, model=model)
    score = [s[0] for s in r.history['score']]
    assert sum(score[-3:]) > sum(score[:3])
    assert r.image.shape == (1, 3, 32, 32) and 0 <= r.image.min() and r.image.max() <= 1 and r.evaluations == 12 * das.views()
    r = das('jellyfish', size=32, steps=3, model=model, **SGD_TUNED)   # the post's method with its rate tuned: 8 views a step
    assert r.evaluations == 24


def test_blog_is_the_posts_snippet():
    "BLOG holds the blog post's snippet value for value: 336 px, layers 1, 5, ... 333, 16 views jittered by 56 px, noise 0.2, SGD at 0.005, 100 steps, the raw logit, RGB."
    assert BLOG['size'] == 336 and round(BLOG['jitter'] * BLOG['size']) == 56 and BLOG['steps'] == 100 and BLOG['count'] == 16
    assert (BLOG['optimizer'], BLOG['lr'], BLOG['noise'], BLOG['score'], BLOG['decorrelate']) == ('sgd', 0.005, 0.2, 'logit', False)
    assert ImageStack(BLOG['size'], step=BLOG['step']).resolutions == list(range(1, 337, 4))
    r = das('jellyfish', model=model, **{**BLOG, 'size': 48, 'steps': 2})
    assert r.evaluations == 32 and r.image.shape == (1, 3, 48, 48)


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
    settings = dict(default=dict(lr=0.01), sgd_tuned=S.SGD_TUNED)
    cached = {k: run(**kw) for k, kw in settings.items()}
    assert (cached['default'] - 0.5).abs().max() > 0.05           # the pictures moved: the comparison means something
    S._taps.cache_clear()
    for k, kw in settings.items(): assert torch.equal(run(**kw), cached[k]), k
    class Reference(S.ImageStack):
        def __init__(self, *a, **kw): super().__init__(*a, **{**kw, 'fast': False})
    monkeypatch.setattr(S, 'ImageStack', Reference)
    assert (run(**settings['default']) - cached['default']).abs().max() < 0.02      # measured 0.001 at one torch thread, 0.008 at two



@pytest.mark.parametrize('size,n', [(64, 1), (37, 2)])
def test_scales_inside_the_sparse_sum_give_the_same_bits(size, n, monkeypatch):
    """Issue 23 moved the layer scales (`alpha`) inside `_UpsampleSum`: the image and every table's gradient are the bits of scaling
    the tables first and letting autograd carry the scales back (the implementation before it)."""
    import das_tutorial.stacks as S
    seed_everything(0)
    st = ImageStack(size, n=n, alpha=1.0, decorrelate=True)
    with torch.no_grad():
        for p in st.parameters(): p.normal_(0, 0.05)
    g = torch.randn(n, 3, size, size)
    def grads(raw):
        st.zero_grad(set_to_none=True); x = raw(); x.backward(g)
        return x.detach(), [p.grad.clone() for p in st.parameters()]
    inside = grads(st.raw)
    assert any(not torch.equal(P, Q) for P, Q in zip(st._tables(), st.tables))      # the scales are not all 1: the comparison means something
    factors = st.scales()
    scaled = lambda: S._UpsampleSum.apply(st, *[P * f for P, f in zip(st.tables, factors)]) + st._ones()   # P * scale through autograd, then the sum
    monkeypatch.setattr(st, 'scales', lambda: [None] * len(st.groups))                # ... with no scales inside (forward and backward)
    before = grads(scaled)
    assert torch.equal(inside[0], before[0]) and all(torch.equal(a, b) for a, b in zip(inside[1], before[1]))


def test_bags_mm_is_embedding_bag():
    "`Bags.mm` (the op called directly, on a detached table: the forward-only kernel) gives `F.embedding_bag`'s bits on a table that needs a gradient."
    st = ImageStack(40)
    T = torch.randn(st.tables[-1].shape[0], 3 * st.tables[-1].shape[2], requires_grad=True)
    b = st.cols[-1]
    assert torch.equal(b.mm(T.detach()), torch.nn.functional.embedding_bag(b.idx, T, b.off, mode='sum', per_sample_weights=b.w))


def test_every_setting_is_written_once():
    """Each method's settings: one dataclass holds each default and knob; its recipe, the CLI and lesson 06's clip read
    them from it."""
    import dataclasses, re
    from pathlib import Path
    from das_tutorial.recipes import all_recipes
    from das_tutorial.priors import PriorSettings
    from das_tutorial.transforms import ViewSettings
    from das_tutorial.octaves import OctaveSettings
    from das_tutorial.stacks import StackSettings, das
    from das_tutorial.clip import clip_ascent, PARAMETERISATIONS
    from das_tutorial.cli import parser
    recipes = all_recipes()
    for name, settings in dict(priors=PriorSettings, transforms=ViewSettings, octaves=OctaveSettings,
                               das=StackSettings).items():
        r = recipes[name]
        assert r.settings is settings
        for f in dataclasses.fields(settings):
            assert r.defaults[f.name] == f.default, (name, f.name)
            if 'knob' in f.metadata: assert r.knobs[f.name] is f.metadata['knob']
        # the recipe function's signature holds no setting of its own besides the common ones
        assert not set(r.defaults) - {f.name for f in dataclasses.fields(settings)} - {'size', 'steps', 'model', 'seed', 'callback', 'progress', 'score', 'snapshot_every', 'objective', 'n'}
    assert PARAMETERISATIONS == dict(stack=StackSettings, pixels=ViewSettings, octaves=OctaveSettings)
    assert clip_ascent.knobs['count'] is das.knobs['count'] and clip_ascent.knobs['lr'] is das.knobs['lr']
    args = parser().parse_args(['generate', 'jellyfish'])       # the command line adds no defaults of its own
    assert args.lr is None and args.views is None and args.size is None and args.steps is None
    pkg = Path(das.fn.__code__.co_filename).parent
    code = '\n'.join((pkg / f'{m}.py').read_text() for m in ('stacks', 'clip', 'cag', 'cli', 'widgets'))
    assert len(re.findall(r'\b6e-4\b', code)) == 1 and len(re.findall(r"'adamw'\)?,? *#|optimizer='adamw'", code)) <= 1
    for m, number in (('priors', r'\b200\.0\b'), ('octaves', r'\b0\.02\b'), ('transforms', r'jitter=16\b')):
        assert len(re.findall(number, (pkg / f'{m}.py').read_text())) <= 1, (m, number)
