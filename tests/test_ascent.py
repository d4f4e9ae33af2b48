"The optimisation loop and the recipes: they raise their objective, keep copies, stop cleanly, and leave the user's model alone."
import copy, pytest, torch
from das_tutorial.core import load_classifier, seed_everything, sample_image
from das_tutorial.ascent import *
from das_tutorial.recipes import all_recipes

model = load_classifier(device='cpu')


def test_ascent_raises_target_logit_for_several_targets():
    seed_everything(0)
    r = ascend(PixelImage(noise_image(32, n=2)), ClassLogit(model, ['jellyfish', 'goldfish']), steps=8, lr=2 / 255, optimizer='sign', progress=False)
    first, last = torch.tensor(r.history['score'][0]), torch.tensor(r.history['score'][-1])
    assert (last > first).all() and r.image.shape == (2, 3, 32, 32)
    assert 0 <= r.image.min() and r.image.max() <= 1
    assert len(r.history['prob']) == 8 and len(r.history['prob'][0]) == 2 and r.evaluations == 8


def test_snapshots_and_best_are_copies():
    seed_everything(0)
    start = noise_image(32, spread=0.04)
    r = ascend(PixelImage(start), ClassLogit(model, 'jellyfish'), steps=6, lr=0.05, snapshot_every=3, progress=False)
    assert torch.equal(r.history['snapshots'][0][1], start)
    assert (r.image - start).abs().max() > 0.05
    scores = [s[0] for s in r.history['score']]
    assert r.best_step == scores.index(max(scores))
    assert abs(ClassLogit(model, 'jellyfish')(r.best).item() - max(scores)) < 1e-3


def test_stop_returns_the_best_image():
    r = ascend(PixelImage(noise_image(16)), ClassLogit(model, 0), steps=20, progress=False, callback=lambda s, im, h: s == 4)
    assert r.stopped and r.steps == 5 and torch.equal(r.image, r.best)


def test_non_finite_loss_stops_with_the_last_finite_image():
    calls = []
    def objective(views):
        calls.append(1)
        return views.mean((1, 2, 3)) * (1.0 if len(calls) < 4 else float('nan'))
    with pytest.raises(NonFiniteError, match='smaller learning rate') as e:
        ascend(PixelImage(noise_image(16)), objective, steps=10, progress=False)
    assert e.value.run.steps == 3 and torch.isfinite(e.value.run.image).all()


def test_mask_keeps_reference_bit_for_bit():
    ref, mask = sample_image(16), torch.zeros(1, 1, 16, 16)
    mask[..., :, 8:] = 1
    r = ascend(PixelImage(noise_image(16)), ClassLogit(model, 1), steps=2, progress=False, mask=mask, reference=ref)
    assert torch.equal(r.image[..., :8], ref[..., :8])


def test_bad_inputs():
    with pytest.raises(ValueError, match='Unknown optimizer'): make_optimizer('nope', [torch.nn.Parameter(torch.zeros(1))], 0.1)
    with pytest.raises(ValueError, match='reference'):
        ascend(PixelImage(noise_image(8)), ClassLogit(model, 1), steps=1, progress=False, mask=torch.ones(1, 1, 8, 8))
    with pytest.raises(KeyError, match='did you mean'): ClassLogit(model, 'jelyfish')
    with pytest.raises(ValueError, match=r'\(N, 3, H, W\)'): PixelImage(torch.zeros(3, 8, 8))
    for lr in (float('inf'), float('nan'), 0, -1):
        with pytest.raises(ValueError, match='lr must be a finite number > 0'): ascend(PixelImage(noise_image(8)), ClassLogit(model, 1), steps=1, lr=lr)


def test_target_out_of_a_small_models_range():
    ten = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(3, 10))
    with pytest.raises(ValueError, match=r'out of range .* 10 outputs'):
        naive_ascent(107, size=32, steps=1, model=as_classifier_quiet(ten))


def as_classifier_quiet(net):
    from das_tutorial.core import as_classifier
    return as_classifier(net, mean=(0.,) * 3, std=(1.,) * 3)


@pytest.mark.parametrize('name', ['naive', 'priors', 'transforms', 'octaves', 'das'])
def test_every_recipe_leaves_a_users_model_as_it_was(name):
    "A small user model in train mode with batch norm: state, training flag, requires_grad and .grad untouched by any recipe."
    seed_everything(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                              torch.nn.Flatten(), torch.nn.Linear(8, 1000)).train()
    state = copy.deepcopy(net.state_dict())
    r = all_recipes()[name]('jellyfish', size=32, steps=4, model=as_classifier_quiet(net))
    assert r.steps == 4
    assert net.training and all(p.requires_grad for p in net.parameters()) and all(p.grad is None for p in net.parameters())
    assert all(torch.equal(state[k], v) for k, v in net.state_dict().items())


@pytest.mark.parametrize('name', ['naive', 'priors', 'transforms', 'octaves', 'das'])
def test_every_recipe_takes_a_plain_module(name):
    "An nn.Module passed directly (not wrapped) works too: the recipe wraps a copy."
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 1000)).train()
    with pytest.warns(UserWarning, match='unnormalised'):
        r = all_recipes()[name]('jellyfish', size=32, steps=3, model=net)
    assert r.image.shape == (1, 3, 32, 32) and net.training


def test_recipes_share_one_signature_and_check_their_knobs():
    for name, r in all_recipes().items():
        assert {'size', 'steps'} <= set(r.knobs), name
        with pytest.raises(ValueError, match='steps must be >= 1'): r('jellyfish', size=32, steps=0, model=model)
        with pytest.raises(TypeError, match='no setting'): r('jellyfish', size=32, steps=1, model=model, bogus=1)


def test_octave_pads_whole_pixels_only():
    from das_tutorial.octaves import octave
    x, obj = torch.full((1, 3, 32, 32), 0.5), ClassLogit(model, 'goldfish')
    assert octave(x, obj, steps=1, pad=4).image.shape[-1] == 40                   # the border is part of the optimised image
    for bad in (-2, 2.5):
        with pytest.raises(ValueError, match='pad must be a whole number'): octave(x, obj, steps=1, pad=bad)
