"The optimisation loop: it raises its objective, records history, stops, masks, and rejects bad input."
import pytest, torch
from das_tutorial.core import load_classifier, seed_everything, sample_image
from das_tutorial.ascent import *

model = load_classifier(device='cpu')


def test_ascent_raises_target_logit_for_several_targets():
    seed_everything(0)
    r = ascend(PixelImage(noise_image(32, n=2)), ClassLogit(model, ['jellyfish', 'goldfish']), steps=8, lr=2 / 255,
               optimizer='sign', progress=False)
    first, last = torch.tensor(r.history['score'][0]), torch.tensor(r.history['score'][-1])
    assert (last > first).all() and r.image.shape == (2, 3, 32, 32)
    assert 0 <= r.image.min() and r.image.max() <= 1
    assert len(r.history['prob']) == 8 and len(r.history['prob'][0]) == 2


def test_logprob_objective_is_negative():
    assert (ClassLogProb(model, 'jellyfish')(noise_image(32)) < 0).all()


def test_callback_stops_and_returns_best():
    r = ascend(PixelImage(noise_image(16)), ClassLogit(model, 0), steps=20, progress=False, callback=lambda s, im, h: s == 4)
    assert r.stopped and len(r.history['loss']) == 5


def test_mask_keeps_reference():
    ref, mask = sample_image(16), torch.zeros(1, 1, 16, 16)
    mask[..., :, 8:] = 1
    r = ascend(PixelImage(noise_image(16)), ClassLogit(model, 1), steps=2, progress=False, mask=mask, reference=ref)
    assert torch.allclose(r.image[..., :8], ref[..., :8])


def test_bad_inputs():
    with pytest.raises(ValueError, match='Unknown optimizer'): make_optimizer('nope', [torch.nn.Parameter(torch.zeros(1))], 0.1)
    with pytest.raises(ValueError, match='reference'):
        ascend(PixelImage(noise_image(8)), ClassLogit(model, 1), steps=1, progress=False, mask=torch.ones(1, 1, 8, 8))
    with pytest.raises(KeyError, match='did you mean'): ClassLogit(model, 'jelyfish')
    with pytest.raises(ValueError, match=r'\(N, 3, H, W\)'): PixelImage(torch.zeros(3, 8, 8))
