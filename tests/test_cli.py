"The command line as a user meets it: exit codes, one-line messages that name the fix, and no file left behind where none should be."
import os, signal, subprocess, sys, time
from pathlib import Path
import pytest
from das_tutorial.cli import main

CLI = [str(Path(sys.executable).parent / 'das-tutorial')]   # the console script, as a user runs it
ENV = dict(os.environ, OMP_NUM_THREADS='1', TQDM_DISABLE='1')

def as_in_a_terminal():
    "Ctrl-C reaches a command run in a terminal. A shell starts background jobs with SIGINT ignored, and a child inherits that; undo it."
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_main(argv, capsys):
    with pytest.raises(SystemExit) as e: main(argv)
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


@pytest.mark.parametrize('argv,message', [
    (['generate', 'jelyfish'], 'did you mean "jellyfish"'),
    (['generate', 'qqqqq'], 'das-tutorial classes'),
    (['generate', '-1'], '0..999'),
    (['generate', '1000'], '0..999'),
    (['generate', 'jellyfish', '--size', '8'], '--size must be >= 32'),
    (['generate', 'jellyfish', '--size', '10000'], 'GiB of memory'),
    (['generate', 'jellyfish', '--steps', '0'], '--steps must be >= 1'),
    (['generate', 'jellyfish', '--lr', 'inf'], '--lr must be a finite number'),
    (['generate', 'jellyfish', '--lr', '-1'], '--lr must be > 0'),
    (['generate', 'jellyfish', '--noise', 'nan'], '--noise must be a finite number'),
    (['generate', 'jellyfish', '--noise', 'inf'], '--noise must be a finite number'),
    (['generate', 'jellyfish', '--seed', '-1'], '--seed must be a whole number'),
    (['generate', 'jellyfish', '--views', '0'], '--views must be >= 1'),
    (['generate', 'jellyfish', '--method', 'nope'], 'unknown method'),
    (['generate', 'jellyfish', '--set', 'jitter'], 'name=value'),
    (['generate', 'jellyfish', '--set', 'count=two'], 'count must be a whole number'),
    (['generate', 'jellyfish', '--model', 'tf_efficientnet_lite'], "Did you mean 'tf_efficientnet_lite0'"),
    (['generate', 'jellyfish', '--model', 'resnet50'], 'internet'),
    (['generate', 'jellyfish', '--set', 'count=1000000000'], 'GiB of memory'),
    (['generate', 'crane'], "134 crane (bird), 517 crane (machine): give the index (e.g. 134) or one of 'crane (bird)', 'crane (machine)'"),
    (['generate', 'maillot'], "638 maillot (tights), 639 tank suit"),
])
def test_user_mistakes_exit_2_with_a_message_and_write_nothing(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(argv, capsys)
    assert code == 2 and message in err, err
    assert err.count('\n') == 1 and 'Traceback' not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize('args,message', [(['-o', 'out'], 'no extension'), (['-o', 'out.xyz'], 'not an image format'),
                                          (['--gif', 'run.png'], 'ending in .gif'), (['--gif', 'run'], 'no extension'),
                                          (['-o', 'no/such/dir/x.png'], 'does not exist'), (['-o', 'sub/'], 'it is a folder'),
                                          (['-o', '.'], 'it is a folder'), (['--gif', '/proc/x.gif'], 'no file can be created')])
def test_output_paths_are_checked_before_the_run(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'sub').mkdir()
    code, out, err = run_main(['generate', 'jellyfish', '--size', '32', '--steps', '50'] + args, capsys)
    assert code == 2 and message in err and out == ''         # nothing ran
    assert [p.name for p in tmp_path.iterdir()] == ['sub'] and list((tmp_path / 'sub').iterdir()) == []


def test_written_files_get_the_umask_permissions(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = os.umask(0o022)
    try: code, out, err = run_main(['generate', 'jellyfish', '--size', '32', '--steps', '2', '-o', 'j.png', '--gif', 'j.gif'], capsys)
    finally: os.umask(old)
    assert code == 0, err
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in tmp_path.iterdir()} == {'j.png': '0o644', 'j.gif': '0o644'}


def test_missing_gpu(capsys, tmp_path, monkeypatch):
    import torch
    if torch.cuda.is_available(): pytest.skip('a GPU is present')
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(['generate', 'jellyfish', '--device', 'cuda'], capsys)
    assert code == 2 and 'no CUDA GPU' in err and list(tmp_path.iterdir()) == []


def test_a_real_run_writes_png_and_gif(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(['generate', '107', '--size', '32', '--steps', '3', '--gif', 'j.gif'], capsys)
    assert code == 0 and 'wrote 107.png' in out and 'robust p' in out
    assert (tmp_path / '107.png').stat().st_size > 0 and (tmp_path / 'j.gif').read_bytes()[:3] == b'GIF'


def test_other_methods_run_from_the_command_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(['generate', 'goldfish', '--method', 'octaves', '--size', '32', '--steps', '6', '--set', 'n_octaves=2', '-o', 'g.png'], capsys)
    assert code == 0 and (tmp_path / 'g.png').exists()


def test_help_is_fast_and_cli_does_not_import_the_ui():
    t = time.time()
    r = subprocess.run(CLI + ['--help'], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0 and 'generate' in r.stdout and time.time() - t < 3
    code = "import sys, das_tutorial.cli, das_tutorial.recipes; das_tutorial.recipes.all_recipes(); print([m for m in sys.modules if m.startswith(('ipywidgets', 'IPython'))])"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=ENV)
    assert r.stdout.strip() == '[]', r.stdout


@pytest.mark.parametrize('sig,code', [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_writes_the_best_image_so_far(tmp_path, sig, code):
    "A real SIGINT (Ctrl-C), SIGTERM (timeout, schedulers) or SIGHUP (a closed terminal) to a real process, after its first steps are done."
    p = subprocess.Popen(CLI + ['generate', 'jellyfish', '--size', '64', '--steps', '2000', '-o', str(tmp_path / 'j.png')],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={k: v for k, v in ENV.items() if k != 'TQDM_DISABLE'}, preexec_fn=as_in_a_terminal)
    deadline = time.time() + 120
    buf = ''
    while time.time() < deadline:          # wait until the progress bar shows a few steps
        buf += os.read(p.stderr.fileno(), 4096).decode(errors='ignore')
        if any(f'| {k}/2000' in buf for k in range(3, 2000)): break
    p.send_signal(sig)
    out, err = p.communicate(timeout=120)
    assert p.returncode == code, (out, err)
    assert 'stopped at step' in out and 'of 2000' in out and 'Traceback' not in err
    if sig != signal.SIGINT: assert f'received {signal.Signals(sig).name}' in out
    assert (tmp_path / 'j.png').stat().st_size > 0 and [q.name for q in tmp_path.iterdir()] == ['j.png']


def test_ctrl_c_during_start_up_is_not_a_traceback(tmp_path):
    p = subprocess.Popen(CLI + ['generate', 'jellyfish', '-o', str(tmp_path / 'j.png')], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, preexec_fn=as_in_a_terminal)
    time.sleep(1.0)                         # still importing torch / loading the model
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130 and 'Traceback' not in err, err
    assert not (tmp_path / 'j.png').exists()
