"Package API and bad inputs of das_tutorial.core (offline models only)."
import pytest, torch
from das_tutorial.core import *


def test_offline_model_wraps_normalisation():
    m = load_classifier('tf_efficientnet_lite0', device='cpu')
    assert not m.training and m.input_size == 224
    assert torch.allclose(m.mean, torch.full((1, 3, 1, 1), 0.5))
    assert m(torch.rand(2, 3, 64, 64)).shape == (2, 1000)


def test_real_photo_is_recognised():
    top = predict(load_classifier(device='cpu'), sample_image(224), k=1)[0][0]
    assert top[2] == 'military uniform' and top[0] > 0.3


def test_unknown_model_name():
    with pytest.raises(ValueError, match='Unknown model'):
        load_classifier('definitely_not_a_model', device='cpu')


def test_online_model_fails_clearly_offline(monkeypatch):
    import timm
    def no_net(*a, **k): raise OSError('network unreachable')
    monkeypatch.setattr(timm, 'create_model', no_net)
    with pytest.raises(RuntimeError, match='internet') as e:
        load_classifier('resnet18', device='cpu')
    assert 'tf_efficientnet_lite0' in str(e.value)


@pytest.mark.parametrize('name,idx', [('tiger shark', 3), ('Galeocerdo cuvieri', 3), ('JellyFish', 107), (107, 107)])
def test_class_index(name, idx): assert class_index(name) == idx


def test_misspelt_class_suggests():
    with pytest.raises(KeyError, match=r'did you mean "jellyfish" \(107\)'): class_index('jelyfish')


@pytest.mark.parametrize('bad', [-1, 1000])
def test_class_index_out_of_range(bad):
    with pytest.raises(IndexError, match='0..999'): class_index(bad)


def test_class_index_wrong_type():
    with pytest.raises(TypeError): class_index(3.5)


def test_load_image_shapes_and_errors(tmp_path):
    img = sample_image(32)
    assert img.shape == (1, 3, 32, 32) and img.dtype == torch.float32
    assert load_image(img[0]).shape == (1, 3, 32, 32)
    with pytest.raises(TypeError, match='float'): load_image(torch.zeros(1, 3, 8, 8, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r'\(N, 3, H, W\)'): load_image(torch.zeros(1, 1, 8, 8))
    with pytest.raises(ValueError, match=r'\(N, 3, H, W\)'): load_image(torch.zeros(8, 8))
    with pytest.raises(FileNotFoundError): load_image(tmp_path / 'missing.png')
    with pytest.raises(TypeError): load_image(42)


def test_save_roundtrip_and_bad_folder(tmp_path):
    img = sample_image(16)
    assert torch.allclose(load_image(save_image(img, tmp_path / 'a.png')), img, atol=1 / 255)
    with pytest.raises(FileNotFoundError, match='does not exist'): save_image(img, tmp_path / 'nope' / 'a.png')


def test_judge_score():
    j = judge_score(sample_image(64), 'military uniform')
    assert j.prob.shape == (1,) and 0 <= j.prob[0] <= 1 and len(j.top1_name) == 1
    with pytest.raises(ValueError, match='targets'): judge_score(sample_image(32).repeat(2, 1, 1, 1), ['jellyfish'] * 3)
    with pytest.raises(ValueError): judge_score(torch.zeros(3, 32, 32), 'jellyfish')


def test_seed_everything_repeats():
    seed_everything(1); a = torch.rand(4)
    seed_everything(1); assert torch.equal(a, torch.rand(4))
