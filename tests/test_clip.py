"Lesson 06 on the untrained stand-in and on a real architecture with random weights (no CLIP weights can be had offline)."
import time, pytest, torch, torch.nn.functional as F
from das_tutorial.core import seed_everything, sample_image
from das_tutorial.ascent import ClassLogit, ascend, PixelImage
from das_tutorial.stacks import ImageStack
from das_tutorial.clip import *

clip = load_clip('tiny-untrained', device='cpu')


def test_stand_in_is_labelled_and_small():
    assert clip.untrained and 'random' in clip.name and 'UNTRAINED' in repr(clip)
    assert sum(p.numel() for p in clip.parameters()) < 5e6


def test_encode_shapes_and_offline_tokeniser():
    e = clip.encode_image(torch.rand(3, 3, 50, 70))
    t = clip.encode_text(['a jellyfish', 'a lighthouse'])
    assert e.shape == (3, t.shape[1]) and t.shape[0] == 2
    assert torch.allclose(e.norm(dim=-1), torch.ones(3), atol=1e-5)


def test_normalisation_is_applied_once():
    x = torch.rand(1, 3, *clip.image_size)
    cfg = clip.model.visual.preprocess_cfg
    ref = F.normalize(clip.model.encode_image((x - torch.tensor(cfg['mean']).view(1, 3, 1, 1)) / torch.tensor(cfg['std']).view(1, 3, 1, 1)), dim=-1)
    assert torch.allclose(clip.encode_image(x), ref, atol=1e-5)


def test_gradient_reaches_every_stack_layer():
    st = ImageStack(32, decorrelate=True)
    CLIPObjective(clip, 'a red bicycle')(st()).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in st.parameters())


def test_short_run_raises_similarity_and_negative_prompt_lowers_it():
    seed_everything(0)
    pos = CLIPObjective(clip, 'a red bicycle')
    r = clip_image(pos, "stack", size=32, steps=8, count=2, lr=0.01, view_size=clip.input_size)
    assert r.history['score'][-1][0] > r.history['score'][0][0]
    seed_everything(0)
    r_neg = clip_image(CLIPObjective(clip, "a red bicycle", weights=[-1.0]), "stack", size=32, steps=8, count=2, lr=0.01, view_size=clip.input_size)
    with torch.no_grad(): assert pos(r_neg.image) < pos(r.image)


@pytest.mark.parametrize('param', ['pixels', 'octaves', 'stack'])
def test_every_parameterisation_runs_the_same_objective(param):
    changes = dict(pixels=dict(count=2, jitter=4), octaves={}, stack=dict(count=2))[param]   # each with its own settings
    r = clip_image(CLIPObjective(clip, 'a bowl of ramen', metric='spherical'), param, size=32, steps=3, view_size=clip.input_size, **changes)
    assert r.image.shape == (1, 3, 32, 32) and r.steps == 3


def test_each_parameterisation_keeps_its_own_settings():
    "clip_ascent's count and lr default to None: the parameterisation's own (stack 4 views, pixels 1); a setting it lacks is a clear error."
    from das_tutorial.clip import clip_ascent
    from das_tutorial.stacks import StackSettings
    from das_tutorial.transforms import ViewSettings
    assert clip_ascent.defaults['count'] is None and clip_ascent.defaults['lr'] is None
    assert clip_ascent.views() == StackSettings.count and clip_ascent.views(param='pixels') == ViewSettings.count
    assert clip_ascent.views(param='stack', count=8) == 8
    with pytest.raises(TypeError, match=r"octaves has no setting \['count'\]"):
        clip_image(CLIPObjective(clip, 'a red bicycle'), 'octaves', size=32, steps=3, count=2)
    with pytest.raises(ValueError, match='param must be one of'): clip_image(CLIPObjective(clip, 'fog'), 'voxels', size=32, steps=1)


def test_ensemble_averages_per_model_scores():
    other = load_clip('ViT-B-32', pretrained='random', device='cpu')      # a real architecture, random weights
    ens = CLIPObjective([clip, other], ['a red bicycle', sample_image(64)], weights=[1.0, -0.5])
    v = torch.rand(2, 3, 40, 40)
    per = ens.per_model(v)
    assert per.shape == (2, 2) and torch.allclose(ens(v), per.mean(0))
    r = clip_image(CLIPObjective(other, 'a red bicycle'), 'stack', size=32, steps=1, count=2, view_size=other.input_size)   # one step on ViT-B-32
    assert r.steps == 1


def test_offline_pretrained_tag_fails_fast_with_the_way_out(monkeypatch):
    "No network (the connection check raises): `hub_online` switches the hub off, and the load fails at once."
    import socket, das_tutorial.core as core, das_tutorial.clip as C
    def refuse(*a, **k): raise OSError('no network')
    monkeypatch.setattr(socket, 'create_connection', refuse)
    monkeypatch.delenv('HF_HUB_OFFLINE', raising=False)
    core.hub_online.cache_clear(); C._cached_clip.cache_clear()
    t = time.time()
    with pytest.raises(RuntimeError) as e: load_clip('ViT-B-32:laion400m_e32')
    assert time.time() - t < 5
    msg = str(e.value)
    assert 'ViT-B-32-quickgelu:laion400m_e32' in msg and 'internet' in msg and "load_clip('tiny-untrained')" in msg


def test_bad_specs():
    with pytest.raises(ValueError, match='Say which weights'): load_clip('ViT-B-32')
    with pytest.raises(ValueError, match='did you mean'): load_clip('ViT-B-33:openai')
    with pytest.raises(TypeError): load_clip(None)
    with pytest.raises(ValueError, match='2 prompts but 1 weights'): CLIPObjective(clip, ['a', 'b'], weights=[1.0])


def test_clip_as_classifier_drops_into_class_objectives():
    zs = clip_classifier(clip)
    assert zs(torch.rand(2, 3, 48, 48)).shape == (2, 1000)
    r = ascend(PixelImage(torch.rand(1, 3, 32, 32)), ClassLogit(zs, 'jellyfish'), steps=2, progress=False)
    assert len(r.history['prob']) == 2


def test_recipe_with_the_stand_in():
    r = clip_ascent('a lighthouse', size=32, steps=2, count=2, negative='fog', model=clip)
    assert r.image.shape == (1, 3, 32, 32) and r.evaluations == 4


def test_classifier_embedder_shapes_and_gradients():
    emb = load_embedder('tf_efficientnet_lite0', device='cpu')
    assert isinstance(emb, ClassifierEmbedder) and not emb.untrained and emb.logit_scale == 1.0
    x = torch.rand(2, 3, 64, 64, requires_grad=True)
    e = emb.encode_image(x)
    assert e.shape == (2, 1280) and torch.allclose(e.norm(dim=-1), torch.ones(2), atol=1e-5)
    e.sum().backward(); assert x.grad.abs().sum() > 0
    t = emb.encode_text(['jellyfish', 'tabby'])
    assert t.shape == (2, 1280) and not t.requires_grad
    with pytest.raises(KeyError, match='did you mean'): emb.encode_text('jelyfish')


def test_classifier_embedder_needs_a_last_linear_layer():
    conv = torch.nn.Sequential(torch.nn.Conv2d(3, 10, 3), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    with pytest.raises(ValueError, match='does not end in an nn.Linear'): ClassifierEmbedder(conv)


def test_offline_default_embedder_is_the_classifier(monkeypatch):
    import das_tutorial.clip as C
    monkeypatch.setattr(C, 'hub_online', lambda: False)          # offline, whatever an earlier call found
    assert isinstance(load_embedder(), ClassifierEmbedder)


def test_recipe_with_the_classifier_embedder():
    r = clip_ascent('jellyfish', size=32, steps=3, negative='goldfish', model='tf_efficientnet_lite0')
    assert r.image.shape == (1, 3, 32, 32) and r.steps == 3 and not r.untrained
    with pytest.raises(KeyError, match='did you mean'): clip_ascent('a lighthouse in a storm', size=32, steps=1, model='tf_efficientnet_lite0')
