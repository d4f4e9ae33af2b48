"The judge panel: a real photo keeps its score, an adversarial image does not, and the picture statistics are right on known inputs."
import math, pytest, torch
from das_tutorial.core import load_classifier, sample_image, seed_everything
from das_tutorial.evaluate import *


@pytest.fixture(scope='module')
def judges(): return default_judges('cpu')


def test_a_real_photo_keeps_a_high_robust_p(judges):
    row = judge_panel(sample_image(224), 'military uniform', judges)[0]
    assert row['judge_top1'] == 'military uniform' and row['robust_p'] > 0.5 * row['judge_p'] and row['flags'] == ''


def test_an_adversarial_image_does_not(judges):
    source = load_classifier(device='cpu')
    seed_everything(0)
    x = torch.rand(1, 3, 224, 224)
    for _ in range(20):
        x.requires_grad_(True); g, = torch.autograd.grad(source(x)[0, 107], x)
        x = (x.detach() + g.sign() / 255).clamp(0, 1)
    assert source(x).softmax(-1)[0, 107] > 0.9
    row = judge_panel(x, 'jellyfish', judges)[0]
    assert row['robust_p'] < 0.01 and 'high-freq' in row['flags']


def test_statistics_on_known_inputs():
    flat = torch.full((1, 3, 64, 64), 0.5)
    assert saturation(flat).item() == 0 and rms_contrast(flat).item() == 0 and math.isnan(spectral_slope(flat).item())
    checker = ((torch.arange(64)[:, None] // 8 + torch.arange(64)[None] // 8) % 2).float().expand(1, 3, 64, 64)
    assert saturation(checker).item() == 1 and abs(rms_contrast(checker).item() - 0.5) < 0.01
    seed_everything(0)
    assert abs(spectral_slope(torch.rand(1, 1, 128, 128).expand(1, 3, 128, 128)).item()) < 0.3
    fy, fx = torch.meshgrid(torch.fft.fftfreq(128), torch.fft.fftfreq(128), indexing='ij')
    pink = torch.fft.ifft2(1 / (fy ** 2 + fx ** 2).sqrt().clamp_min(1 / 128) * torch.exp(2j * math.pi * torch.rand(128, 128))).real
    pink = ((pink - pink.mean()) / (6 * pink.std()) + 0.5).clamp(0, 1).expand(1, 3, 128, 128)
    assert abs(spectral_slope(pink).item() + 2) < 0.3
    grey_red = torch.stack([torch.ones(32, 32), torch.zeros(32, 32), torch.zeros(32, 32)])[None]
    assert colourfulness(grey_red).item() > colourfulness(flat).item() == 0
    assert naturalness(flat)[1] == ['haze'] and 'neon' in naturalness(checker)[1][0].split()


def test_perturbations_keep_shape_and_range():
    x = sample_image(96)
    for name, f in PERTURBATIONS.items():
        y = f(x)
        assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1, name


def test_bad_input():
    with pytest.raises(ValueError, match='NaN'): judge_panel(sample_image(32) * float('nan'), 'jellyfish')
    with pytest.raises(ValueError, match='N, H, W >= 1'): judge_score(sample_image(32)[:0], 'jellyfish')
    with pytest.raises(ValueError, match='targets'): judge_panel(sample_image(32).repeat(2, 1, 1, 1), ['jellyfish'] * 3)


def test_compare_reuses_a_judged_run_from_the_cache(tmp_path, monkeypatch):
    import types
    import das_tutorial.evaluate as E
    monkeypatch.setattr(E, 'QUICK', False); monkeypatch.setenv('DAS_CACHE', str(tmp_path))
    calls = []
    def method(target, seed):
        calls.append(target)
        return types.SimpleNamespace(image=torch.full((1, 3, 32, 32), 0.5), seconds=0.1, evaluations=1)
    method.cache_key = ('das_tutorial.ascent', 'grey', ())
    model = load_classifier(device='cpu')
    judges = dict(judge=model, cross=model)
    E.compare({'grey': method}, model, classes=['goldfish'], seeds=[0], judges=judges, progress=False)
    assert calls == ['goldfish'] and not list(tmp_path.iterdir())       # a panel of its own: not cached
    rows1 = E.compare({'grey': method}, model, classes=['goldfish'], seeds=[0], progress=False)[0]
    rows2 = E.compare({'grey again': method}, model, classes=['goldfish'], seeds=[0], progress=False)[0]   # the same run, another name
    assert calls == ['goldfish', 'goldfish'] and len(list(tmp_path.iterdir())) == 1
    assert rows2[0]['method'] == 'grey again' and rows2[0]['robust_p'] == rows1[0]['robust_p']


def test_a_lessons_own_recipe_is_keyed_by_its_package_module():
    "A notebook defines its recipe in `__main__`; the cache must key it by the module it is exported to (its lesson's, from `RECIPE_MODULES`), and hash that module's code."
    from das_tutorial.recipes import Recipe
    from das_tutorial.octaves import octave_ascent
    def octave_ascent_copy(target, *, size=64, steps=2, model=None, seed=0, callback=None, progress=False): pass
    octave_ascent_copy.__module__ = '__main__'
    copy = Recipe(octave_ascent_copy, 'octaves', '04', {})
    assert copy.module == octave_ascent.module == 'das_tutorial.octaves'
    assert copy.method(64, 2).cache_key == octave_ascent.method(64, 2).cache_key[:2] + (copy.method(64, 2).cache_key[2],)
    assert copy.method(64, 2).cache_key[0] == 'das_tutorial.octaves'
    assert code_hash('__main__') == code_hash()          # unknown code: the hash of the whole package
    assert code_hash('das_tutorial.priors') != code_hash('das_tutorial.octaves')


class _Counted:
    "A cacheable stand-in method: a fixed picture, counting its calls."
    cache_key = ('das_tutorial.stacks', 'stand-in', ())
    def __init__(self): self.calls = 0
    def __call__(self, target, seed):
        from types import SimpleNamespace
        self.calls += 1
        return SimpleNamespace(image=torch.linspace(0, 1, 3 * 32 * 32).view(1, 3, 32, 32), seconds=0.0, evaluations=1)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    import das_tutorial.evaluate as E
    monkeypatch.setattr(E, 'QUICK', False); monkeypatch.setenv('DAS_CACHE', str(tmp_path / 'runs'))
    return tmp_path / 'runs'


def _damage(f, how):
    data = bytearray(f.read_bytes())
    if how == 'truncated': data = data[:len(data) // 2]
    elif how == 'empty': data = b''
    elif how == 'random bytes': data = bytes(torch.randint(0, 256, (len(data),), dtype=torch.uint8).tolist())
    else:                                   # 1000 bytes flipped inside the image's own data: still loads
        image = torch.linspace(0, 1, 3 * 32 * 32).view(1, 3, 32, 32).numpy().tobytes()
        at = bytes(data).index(image[:64])
        data[at + 100:at + 1100] = bytes(b ^ 0x5A for b in data[at + 100:at + 1100])
    f.write_bytes(bytes(data))


@pytest.mark.parametrize('how', ['truncated', 'empty', 'random bytes', 'flipped image bytes'])
def test_a_damaged_cache_entry_is_dropped_and_computed_again(how, cache, capsys):
    m, model = _Counted(), load_classifier(device='cpu')
    row, img = judged_run(m, 'x', 107, 0, model, None)
    entry, = cache.iterdir()
    assert judged_run(m, 'x', 107, 0, model, None)[0] == row and m.calls == 1        # a good entry is reused
    _damage(entry, how)
    row2, img2 = judged_run(m, 'x', 107, 0, model, None)
    err = capsys.readouterr().err
    assert m.calls == 2 and torch.equal(img2, img) and row2 == row                  # computed again, the right picture
    assert err.count('\n') == 1 and 'dropped the damaged entry' in err and 'Traceback' not in err
    assert judged_run(m, 'x', 107, 0, model, None)[0] == row and m.calls == 2        # and kept again, whole


def test_a_cache_that_cannot_be_written_warns_once_and_returns_the_run(cache, capsys, monkeypatch):
    import das_tutorial.evaluate as E
    def read_only(path, write): raise OSError(30, 'Read-only file system')
    monkeypatch.setattr(E, 'write_atomically', read_only)
    m, model = _Counted(), load_classifier(device='cpu')
    rows = [judged_run(m, 'x', c, 0, model, None)[0] for c in (107, 1)]
    err = capsys.readouterr().err
    assert [r['target'] for r in rows] == [107, 1] and err.count('\n') == 1 and 'Read-only file system' in err


def test_the_photographs_range_is_what_the_photographs_score():
    "`PHOTO_RANGE`, printed by the command line beside an undecided verdict, is measured (bench/photo_range.py)."
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'bench'))
    from photo_range import photo_scores, photo_range
    got = photo_range(photo_scores())
    for k in ('robust', 'coarse'):
        assert all(abs(a - b) <= 0.002 for a, b in zip(got[k], PHOTO_RANGE[k])), (k, got[k], PHOTO_RANGE[k])
