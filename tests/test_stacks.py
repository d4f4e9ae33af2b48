"The image stack and the command line: equal to the reference, raises its objective, rejects bad input with clear messages."
import pytest, torch
from das_tutorial.core import load_classifier, seed_everything, sample_image
from das_tutorial.ascent import ClassLogit
from das_tutorial.stacks import *
from das_tutorial.cli import main

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
    assert torch.allclose(ImageStack(16)(), torch.full((1, 3, 16, 16), 0.5))
    with pytest.raises(ValueError, match='resolutions must lie'): ImageStack(16, resolutions=[1, 32])
    with pytest.raises(ValueError, match='step must be'): ImageStack(16, step=0)


def test_generate_raises_the_target_logit():
    r = generate('jellyfish', size=32, steps=6, count=2, model=model, progress=False)
    assert r.history['score'][-1][0] > r.history['score'][0][0]
    assert r.image.shape == (1, 3, 32, 32) and 0 <= r.image.min() and r.image.max() <= 1


def test_generate_needs_a_target_or_an_objective():
    with pytest.raises(ValueError, match='target class, or an `objective`'): generate(None, size=32, steps=1, model=model)


def test_channel_objective_rejects_missing_layer_and_channel():
    x = sample_image(32)
    with pytest.raises(KeyError, match='No layer'): ChannelObjective(model, 'model.nope', 0)(x)
    with pytest.raises(ValueError, match='channels'): ChannelObjective(model, 'model.blocks.4', 10_000)(x)


@pytest.mark.parametrize('argv,message', [(['generate', 'jelyfish'], 'did you mean "jellyfish"'),
                                          (['generate', 'jellyfish', '--size', '8'], 'at least 32'),
                                          (['generate', 'jellyfish', '--lr', '-1'], '--lr must be positive'),
                                          (['generate', 'jellyfish', '-o', '/no/such/dir/x.png'], 'does not exist')])
def test_cli_bad_input_exits_2_with_a_message(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e: main(argv)
    assert e.value.code == 2 and message in capsys.readouterr().err
