"Package API and bad inputs of das_tutorial.core (offline models only)."
import copy, os, pytest, torch, numpy as np
from PIL import Image
from das_tutorial.core import *


def test_offline_model_wraps_normalisation():
    m = load_classifier('tf_efficientnet_lite0', device='cpu')
    assert not m.training and m.input_size == 224 and m.device == torch.device('cpu')
    assert torch.allclose(m.mean, torch.full((1, 3, 1, 1), 0.5))
    assert m(torch.rand(2, 3, 64, 64)).shape == (2, 1000)


def test_real_photo_is_recognised():
    top = predict(load_classifier(device='cpu'), sample_image(224), k=1)[0][0]
    assert top[2] == 'military uniform' and top[0] > 0.3


@pytest.mark.parametrize('bad,message', [('definitely_not_a_model', 'Unknown model'), ('tf_efficientnet_lite', "Did you mean 'tf_efficientnet_lite0'"),
                                         (None, 'A model name is a string'), (123, 'A model name is a string')])
def test_bad_model_names(bad, message):
    with pytest.raises((ValueError, TypeError), match=message): load_classifier(bad, device='cpu')


def test_online_model_fails_fast_and_clearly_offline(monkeypatch):
    import time, socket, das_tutorial.core as core
    def refuse(*a, **k): raise OSError('no network')
    monkeypatch.setattr(socket, 'create_connection', refuse)
    monkeypatch.delenv('HF_HUB_OFFLINE', raising=False)
    core.hub_online.cache_clear(); core._cached_classifier.cache_clear()
    t = time.time()
    with pytest.raises(RuntimeError, match='internet') as e: load_classifier('resnet18', device='cpu')
    assert time.time() - t < 5 and 'tf_efficientnet_lite0' in str(e.value)


def test_missing_gpu_is_a_clear_error():
    if torch.cuda.is_available(): pytest.skip('a GPU is present')
    with pytest.raises(ValueError, match='no CUDA GPU'): get_device('cuda')


@pytest.mark.parametrize('name,idx', [('tiger shark', 3), ('Galeocerdo cuvieri', 3), ('JellyFish', 107), (107, 107), ('107', 107)])
def test_class_index(name, idx): assert class_index(name) == idx


def test_misspelt_class_suggests():
    with pytest.raises(KeyError, match=r'did you mean "jellyfish" \(107\)'): class_index('jelyfish')
    with pytest.raises(KeyError, match='das-tutorial classes'): class_index('qqqqqq')


@pytest.mark.parametrize('bad', [-1, 1000, '-1'])
def test_class_index_out_of_range(bad):
    with pytest.raises(IndexError, match='0..999'): class_index(bad)


def test_class_index_and_find_classes_wrong_type():
    with pytest.raises(TypeError): class_index(3.5)
    with pytest.raises(TypeError, match='piece of text'): find_classes(None)


def test_seed_checks():
    seed_everything(1); a = torch.rand(4)
    seed_everything(1); assert torch.equal(a, torch.rand(4))
    for bad in (-1, 2**32, 1.5, 'x'):
        with pytest.raises(ValueError, match='whole number'): seed_everything(bad)


def test_load_image_shapes_ranges_and_errors(tmp_path):
    img = sample_image(32)
    assert img.shape == (1, 3, 32, 32) and img.dtype == torch.float32
    assert load_image(img[0]).shape == (1, 3, 32, 32)
    with pytest.raises(TypeError, match='divide 8-bit'): load_image(torch.zeros(1, 3, 8, 8, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r'\(N, 3, H, W\)'): load_image(torch.zeros(1, 1, 8, 8))
    with pytest.raises(ValueError, match=r'\(N, 3, H, W\)'): load_image(torch.zeros(8, 8))
    with pytest.raises(ValueError, match='divide 0..255 images by 255'): load_image(img * 255)
    with pytest.raises(ValueError, match=r'\(x \+ 1\) / 2'): load_image(img * 2 - 1)
    with pytest.raises(ValueError, match='NaN'): load_image(img + float('nan'))
    with pytest.raises(ValueError, match='NaN'): load_image(img + float('inf'))
    with pytest.raises(ValueError, match='whole number of pixels'): load_image(img, size=3.5)
    with pytest.raises(FileNotFoundError): load_image(tmp_path / 'missing.png')
    with pytest.raises(TypeError): load_image(42)


def test_16_bit_greyscale_png_keeps_its_range(tmp_path):
    ramp = np.linspace(0, 65535, 64 * 64).reshape(64, 64).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / 'g16.png')
    x = load_image(tmp_path / 'g16.png')
    assert x.shape == (1, 3, 64, 64) and abs(x.mean().item() - 0.5) < 0.01 and x.max() <= 1


def test_save_roundtrip_atomic_and_bad_paths(tmp_path):
    img = sample_image(16)
    assert torch.allclose(load_image(save_image(img, tmp_path / 'a.png')), img, atol=1 / 255)
    with pytest.raises(FileNotFoundError, match='does not exist'): save_image(img, tmp_path / 'nope' / 'a.png')
    with pytest.raises(ValueError, match='no extension'): save_image(img, tmp_path / 'a')
    with pytest.raises(ValueError, match='not an image format'): save_image(img, tmp_path / 'a.txt')
    with pytest.raises(ZeroDivisionError): write_atomically(tmp_path / 'b.png', lambda f: 1 / 0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['a.png']      # nothing half-written left behind


def test_user_model_is_copied_not_changed():
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 10)).train()
    state = copy.deepcopy(net.state_dict())
    m = as_classifier(net, mean=(0.5,) * 3, std=(0.5,) * 3)
    m(torch.rand(2, 3, 16, 16)).sum()
    assert net.training and all(p.requires_grad and p.grad is None for p in net.parameters())
    assert all(torch.equal(state[k], v) for k, v in net.state_dict().items())


@pytest.mark.parametrize('head,shape', [(lambda x: x.mean((1, 2, 3)), '(2,)'), (lambda x: x[:, :1].expand(-1, 1000, -1, -1)[..., :1, :1], '(2, 1000, 1, 1)'),
                                        (lambda x: (x.flatten(1)[:, :1000],), 'tuple'), (lambda x: {'logits': x.flatten(1)[:, :1000]}, 'dict'),
                                        (lambda x: x.flatten(1)[:, :1000].repeat(2, 1), '(4, 1000)')])
def test_wrong_model_outputs_are_explained(head, shape):
    class Net(torch.nn.Module):
        def forward(self, x): return head(x)
    m = as_classifier(Net(), mean=(0.,) * 3, std=(1.,) * 3)
    with pytest.raises(ValueError, match=r'must return logits of shape \(2, classes\)') as e: m(torch.rand(2, 3, 32, 32))
    assert shape in str(e.value)


def test_a_name_shared_by_two_classes_is_an_error_that_lists_them():
    with pytest.raises(KeyError, match=r"134 crane \(bird\), 517 crane \(machine\)"): class_index('crane')
    with pytest.raises(KeyError, match="lesser panda.*giant panda"): class_index('panda')
    assert class_index('crane (machine)') == 517 and class_index('harp') == 594   # a class's own first name still means it
    assert all(class_index(unique_name(i)) == i for i in range(1000))


def test_files_are_written_with_the_umask_and_keep_their_mode(tmp_path):
    old = os.umask(0o022)
    try:
        p = save_image(torch.rand(1, 3, 8, 8), tmp_path / 'a.png')
        assert p.stat().st_mode & 0o777 == 0o644
        os.chmod(p, 0o600); save_image(torch.rand(1, 3, 8, 8), p)
        assert p.stat().st_mode & 0o777 == 0o600
    finally: os.umask(old)


def test_load_image_of_a_file_that_is_not_a_picture(tmp_path):
    from das_tutorial.core import load_image
    (tmp_path / 'notes.png').write_text('hello')
    with pytest.raises(ValueError, match='expected a picture file'): load_image(tmp_path / 'notes.png')


def test_transfigure_refuses_a_tiny_photo_at_once():
    import torch
    from das_tutorial.transforms import transfigure
    with pytest.raises(ValueError, match='1x1 px: transfigure needs at least 32x32'): transfigure(torch.rand(1, 3, 1, 1), 'tabby')
