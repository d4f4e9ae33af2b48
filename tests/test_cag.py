"Lesson 08: the masked modules (a tiny random ViT-MAE for the real path, the offline fill) and the CaG recipe."
import sys, pytest, torch
from das_tutorial.core import load_classifier
from das_tutorial.cag import *
from das_tutorial.dfg import harmonic_fill
from das_tutorial.stacks import das

model = load_classifier(device='cpu')


@pytest.fixture(scope='module')
def tiny_mae():
    from transformers import ViTMAEConfig, ViTMAEForPreTraining
    torch.manual_seed(0)
    return ViTMAEForPreTraining(ViTMAEConfig(image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                                             decoder_hidden_size=32, decoder_num_hidden_layers=1, decoder_num_attention_heads=2, decoder_intermediate_size=64))


def test_reconstruction_shapes_gradients_and_fixed_masks(tiny_mae):
    g = MaskedReconstruction(tiny_mae, 0.75)
    x = torch.rand(2, 3, 32, 32, requires_grad=True)
    noise = torch.rand(2, 16)
    y = g(x, noise=noise)
    assert y.shape == x.shape
    y.sum().backward(); assert x.grad.abs().sum() > 0
    m = g.last_mask.clone(); g(x, noise=noise)
    assert torch.equal(m, g.last_mask) and torch.allclose(m.mean((1, 2, 3)), torch.full((2,), 0.75))
    visible = (1 - m).expand_as(x).bool()
    assert torch.equal(g(x.detach(), noise=noise)[visible], x.detach()[visible])


def test_mask_ratio_zero_passes_the_image_through(tiny_mae):
    x = torch.rand(2, 3, 32, 32)
    assert torch.allclose(MaskedReconstruction(tiny_mae, 0.0)(x), x, atol=1e-6)


def test_views_of_another_size_are_resized_to_the_mae(tiny_mae):
    assert MaskedReconstruction(tiny_mae, 0.5)(torch.rand(1, 3, 50, 50)).shape == (1, 3, 32, 32)


@pytest.mark.parametrize('ratio', [0.0, 0.25, 0.5, 0.75, 0.9])
def test_offline_fill_hides_the_asked_fraction(ratio):
    g = MaskedFill(ratio)
    x = torch.rand(3, 3, 224, 224)
    y = g(x)
    assert abs(g.last_mask.mean().item() - ratio) < 0.01
    assert torch.equal(y[(g.last_mask == 0).expand_as(x)], x[(g.last_mask == 0).expand_as(x)])


def test_bad_ratios_and_fills():
    with pytest.raises(ValueError, match='mask_ratio'): MaskedFill(1.0)
    with pytest.raises(ValueError, match="fill must be"): MaskedFill(0.5, fill='zeros')


def test_recipe_raises_the_target_probability(tiny_mae):
    r = cag('goldfish', size=64, steps=8, n_octaves=2, model=model)
    assert r.history['prob'][-1][0] > r.history['prob'][0][0] and r.image.shape == (1, 3, 64, 64)
    assert cag('goldfish', size=32, steps=2, n_octaves=1, g='mae', mae=tiny_mae, model=model).steps == 2


def test_missing_transformers_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, 'transformers', None)
    with pytest.raises(ImportError, match=r"das-tutorial\[mae\]"): load_mae()


def test_offline_mae_fails_fast(monkeypatch):
    import time, socket, das_tutorial.core as core
    def refuse(*a, **k): raise OSError('no network')
    monkeypatch.setattr(socket, 'create_connection', refuse)
    core.hub_online.cache_clear()
    t = time.time()
    with pytest.raises(RuntimeError, match='MaskedFill'): load_mae()
    assert time.time() - t < 10


def test_grow_stack_shows_the_same_picture_larger():
    import torch.nn.functional as F
    from das_tutorial.stacks import ImageStack
    st = ImageStack(43, alpha=1.0, decorrelate=True)
    with torch.no_grad():
        for p in st.parameters(): p.normal_(0, 0.05)
    big = grow_stack(st, 85)
    assert big.resolutions[:len(st.resolutions)] == st.resolutions
    assert (F.interpolate(st(), size=85, mode='bilinear', align_corners=False) - big()).abs().mean() < 0.01


def test_progressive_das_runs_the_budget_over_growing_sizes():
    model = load_classifier(device='cpu')
    r = progressive_das('goldfish', size=64, steps=6, n_sizes=3, model=model)
    assert r.image.shape == (1, 3, 64, 64) and r.steps == 6 and r.evaluations == 6 * das.views()   # das's views a step
    assert progressive_das('goldfish', size=32, steps=4, n_sizes=2, count=2, model=model).evaluations == 8   # views, not steps
    assert [s for s, _ in r.history['octaves']] == [16, 32, 64]


def test_harmonic_fill_keeps_the_visible_pixels_and_is_differentiable():
    x = torch.rand(1, 3, 64, 64, requires_grad=True)
    g = MaskedFill(0.75, patch=16, fill='harmonic', size=64)
    y = g(x)
    keep = (1 - g.last_mask).expand_as(y).bool()
    assert torch.equal(y[keep], x[keep])
    m = torch.zeros(1, 1, 64, 64); m[..., 16:48, 16:48] = 1
    h = harmonic_fill(x.detach(), m, torch.zeros_like(x))
    assert torch.equal(h[..., :16, :], x.detach()[..., :16, :])                      # outside the mask: the pixels themselves
    edge, centre = h[..., 16, 20:44].mean(), h[..., 30:34, 30:34].mean()             # inside: the border's values diffuse in from the zero start
    assert edge > 0.3 and 0 < centre < edge and not torch.allclose(h[..., 16:48, 16:48], x.detach()[..., 16:48, 16:48])
    y.sum().backward(); assert x.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="'blur', 'harmonic' or 'mean'"): MaskedFill(0.5, fill='zero')
