"Lesson 07: the DFG score term against finite differences, parameter subsets, masks, and the caller's model left alone."
import copy, pytest, torch, torch.nn as nn
from das_tutorial.core import load_classifier, Normalized, as_classifier, sample_image, seed_everything
from das_tutorial.ascent import ascend, PixelImage
from das_tutorial.priors import soft_noise
from das_tutorial.dfg import *

model = load_classifier(device='cpu')


def tiny_classifier():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Tanh(), nn.Conv2d(4, 4, 3, stride=2), nn.Tanh(), nn.Flatten(), nn.Linear(4 * 3 * 3, 5)).double()
    return Normalized(net, input_size=None, name='tiny')


def finite_difference_error(S_grad, S_value, x, eps=1e-6):
    grad, = torch.autograd.grad(S_grad(x).sum(), x)
    fd = torch.zeros_like(x)
    for i in range(x.numel()):
        e = torch.zeros_like(x).flatten(); e[i] = eps; e = e.view_as(x)
        fd.view(-1)[i] = (S_value(x + e) - S_value(x - e)).sum().detach() / (2 * eps)
    return ((grad - fd).abs().max() / fd.abs().max()).item()


def test_score_gradient_matches_finite_differences():
    clf, flip = tiny_classifier(), (lambda v: v.flip(-1))
    x = torch.rand(1, 3, 8, 8, dtype=torch.float64, requires_grad=True)
    assert finite_difference_error(DFGScore(clf, [''], augment=flip, lam='loss'), DFGScore(clf, [''], augment=flip, lam='loss'), x) < 1e-5
    with torch.no_grad(): lam0 = (clf(flip(x)) - clf(x)).abs()
    assert finite_difference_error(DFGScore(clf, [''], augment=flip, lam='const'), DFGScore(clf, [''], lam=lam0), x) < 1e-5


def test_distance_is_the_papers_d():
    clf = tiny_classifier()
    S = DFGScore(clf, [''], augment=lambda v: v.flip(-1), lam='loss')
    x = torch.rand(1, 3, 8, 8, dtype=torch.float64)
    g = S.parameter_gradient(x).detach()
    theta = torch.cat([p.flatten() for p in clf.parameters()])
    assert torch.allclose(S.distance(x)[0], (g / g.norm() - (-theta) / theta.norm()).norm())


def test_parameter_subsets_select_exactly_the_named_parameters():
    assert select_params(model, 'head')[0] == ['model.classifier.weight', 'model.classifier.bias']
    last = select_params(model, 'last')[0]
    assert last[0].startswith('model.blocks.6.') and 'model.conv_head.weight' in last and not any(n.startswith('model.blocks.5.') for n in last)
    assert select_params(model, 'all')[0] == [n for n, _ in model.named_parameters()]
    assert select_params(model, ['model.bn2'])[0] == ['model.bn2.weight', 'model.bn2.bias']
    with pytest.raises(ValueError, match='No parameters match'): select_params(model, ['model.nope'])
    with pytest.raises(ValueError, match="params must be"): select_params(model, 'some')


def test_inpainting_keeps_every_pixel_outside_the_hole():
    r = dfg(None, size=32, steps=3, mode='inpaint', hole=0.4, model=model)
    photo, mask = sample_image(32), hole_mask(32, 0.4).expand(1, 3, 32, 32)
    assert torch.equal(r.image[mask == 0], photo[mask == 0])
    assert (r.image - photo)[mask == 1].abs().max() > 0.01


def test_users_model_is_left_as_it_was():
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 1000)).train()
    net[0].weight.requires_grad_(False)                              # a mix of frozen and trainable parameters
    state, flags = copy.deepcopy(net.state_dict()), [p.requires_grad for p in net.parameters()]
    clf = as_classifier(net, mean=(0.5,) * 3, std=(0.5,) * 3)
    r = dfg('jellyfish', size=32, steps=3, params=['model.5'], model=clf)
    assert r.steps == 3 and net.training and [p.requires_grad for p in net.parameters()] == flags
    assert all(p.grad is None for p in net.parameters()) and all(torch.equal(state[k], v) for k, v in net.state_dict().items())
    assert all(p.grad is None for p in clf.parameters())


def test_a_short_run_lowers_the_distance():
    seed_everything(0)
    S = DFGScore(model, 'head')
    r = ascend(PixelImage(soft_noise(48)), S, steps=8, lr=0.01, progress=False)
    assert -r.history['score'][-1][0] < -r.history['score'][0][0]


def test_modes_and_bad_input():
    for mode in ('unconditional', 'conditional', 'edit'):
        assert dfg('goldfish', size=32, steps=2, mode=mode, model=model).steps == 2
    assert dfg('goldfish', size=32, steps=2, param='stack', model=model).image.shape == (1, 3, 32, 32)
    with pytest.raises(ValueError, match='needs a target'): dfg(None, size=32, steps=1, mode='edit', model=model)
    with pytest.raises(ValueError, match="lam must be"): DFGScore(model, 'head', lam='sometimes')


def test_condition_seen_through_views_with_the_variance_norm():
    m = load_classifier(device='cpu')
    r = dfg('goldfish', size=32, steps=2, augment_cond=True, variation=20.0, score_weight=10.0, cond_weight=20.0, model=m)
    assert r.image.shape == (1, 3, 32, 32) and len(r.history['prob']) == 2
    seen = []
    o = OnViews(lambda v: seen.append(v.shape) or v.mean((1, 2, 3)), lambda x: x[..., 2:-2, 2:-2])
    o(torch.rand(2, 3, 16, 16)); assert seen == [(2, 3, 12, 12)]
