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


def test_a_file_size_limit_at_the_output_is_one_line_and_keeps_the_old_file(tmp_path):
    "`ulimit -f 1`: the PNG cannot be written; the old one stays, no temporary is left, exit 1."
    import resource
    (tmp_path / 'x.png').write_bytes(b'old')
    def limit():
        as_in_a_terminal(); resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
    r = subprocess.run(CLI + ['generate', 'jellyfish', '--size', '48', '--steps', '3', '-o', 'x.png'], cwd=tmp_path,
                       capture_output=True, text=True, env=ENV, preexec_fn=limit)
    assert r.returncode == 1 and 'Traceback' not in r.stderr, r.stderr
    assert r.stderr.strip() == 'error: could not write x.png: File too large; nothing was written (the earlier x.png is unchanged).'
    assert [p.name for p in tmp_path.iterdir()] == ['x.png'] and (tmp_path / 'x.png').read_bytes() == b'old'


def test_the_png_and_the_gif_are_written_as_a_pair(capsys, tmp_path, monkeypatch):
    "The disk fills while the GIF is written: the PNG is not replaced either, and the line says so."
    import das_tutorial.cli as C
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'keep.png').write_bytes(b'old png'); (tmp_path / 'old.gif').write_bytes(b'old gif')
    def full(*a, **k):
        def write(f): f.write(b'GIF89a'); raise OSError(28, 'No space left on device')
        return write
    monkeypatch.setattr(C, 'gif_writer', full)
    code, out, err = run_main(['generate', 'jellyfish', '--size', '32', '--steps', '2', '-o', 'keep.png', '--gif', 'old.gif'], capsys)
    assert code == 1 and err.count('\n') == 1 and 'Traceback' not in err
    assert 'could not write old.gif: No space left on device; nothing was written (the earlier keep.png and old.gif are unchanged)' in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ['keep.png', 'old.gif']
    assert (tmp_path / 'keep.png').read_bytes() == b'old png' and (tmp_path / 'old.gif').read_bytes() == b'old gif'


@pytest.mark.parametrize('delay', [0.0, 0.8])
def test_a_second_ctrl_c_says_what_is_on_disk(tmp_path, delay):
    "Ctrl-C after a few steps, then again at once (while the files are written) or 0.8 s later (during the report)."
    p = subprocess.Popen(CLI + ['generate', 'jellyfish', '--size', '64', '--steps', '2000', '-o', 'out.png', '--gif', 'out.gif'],
                         cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env={k: v for k, v in ENV.items() if k != 'TQDM_DISABLE'}, preexec_fn=as_in_a_terminal)
    buf, deadline = '', time.time() + 120
    while time.time() < deadline and not any(f'| {k}/2000' in buf for k in range(3, 2000)):
        buf += os.read(p.stderr.fileno(), 4096).decode(errors='ignore')
    p.send_signal(signal.SIGINT); time.sleep(delay); p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130 and 'Traceback' not in err and 'Exception ignored' not in err, err
    assert sorted(q.name for q in tmp_path.iterdir()) == ['out.gif', 'out.png']
    assert 'nothing was written' not in err + out
    assert 'out.png and out.gif were written' in err or ('wrote the best image so far to out.png' in out and 'interrupted' not in err)


def test_a_run_longer_than_a_day_is_refused_with_the_estimate(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(['generate', 'jellyfish', '--size', '32', '--steps', '99999999999'], capsys)
    assert code == 2 and 'would take about' in err and 'hours' in err and 'Nothing was written' in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize('argv,message', [
    (['--set', 'noise_kind=x'], "--set noise_kind must be one of"), (['--set', 'count=two'], "--set count must be a whole number"),
    (['--set', 'count=0'], "--set count must be >= 1"), (['--views', '0'], "--views must be >= 1"),
    (['--lr', '1e300', '--size', '32', '--steps', '2'], "Use a smaller --lr (it was 1e+300). Nothing was written."),
])
def test_messages_speak_the_command_lines_language(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(['generate', 'jellyfish'] + argv, capsys)
    assert code in (1, 2) and message in err and '.run.image' not in err and err.count('\n') == 1, err
    assert list(tmp_path.iterdir()) == []


def test_an_undecided_verdict_prints_the_numbers_beside_the_photographs():
    "'texture only' (robust p like a photo's, coarse p under the threshold) is where people contradict the panel."
    from das_tutorial.cli import verdict_line
    line = verdict_line(dict(verdict='texture only', robust_p=0.33, coarse_p=0.004))
    assert line.startswith('undecided') and 'robust p 0.33' in line and 'coarse p 0.004' in line and 'Look at the picture' in line
    assert verdict_line(dict(verdict='haze', robust_p=0.5, coarse_p=0.1)) == 'haze'
