"""Hostile-but-fair probes of the command line and the API (issues 8, 24 and 42), printed as markdown tables: what each one does now.

    .venv/bin/python bench/probes.py            # about a minute on 2 CPU cores

Each CLI probe runs `das_tutorial.cli.main(argv)` in this process, in an empty temporary folder, and records the exit code,
the first line it printed to stderr (or stdout) and the files left behind. The signal probes run the console script in a
subprocess and send it SIGINT (Ctrl-C), SIGTERM (timeout, a job scheduler, docker stop) or SIGHUP (a closed terminal); the
files left behind are listed with their permissions. The API probes call the package and record the exception's message (or what came back).
The fault probes (issue 42) fill the disk under the output (a 64 KB tmpfs, mounted when run as root; skipped otherwise), set a
file-size limit, damage or write-protect the run cache, and press Ctrl-C twice.
"""
import contextlib, io, os, re, signal, subprocess, sys, tempfile, time
from pathlib import Path

os.environ.setdefault('HF_HUB_OFFLINE', '1'); os.environ.setdefault('TQDM_DISABLE', '1')
import torch
from torch import nn
from das_tutorial.cli import main

CLI = [str(Path(sys.executable).parent / 'das-tutorial')]

def short(text, n=110):
    text = ' '.join(str(text).split())
    return text if len(text) <= n else text[:n - 1] + '…'

def cli_probe(argv):
    with tempfile.TemporaryDirectory() as d:
        cwd = os.getcwd(); os.chdir(d)
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try: main(argv); code = 0
                except SystemExit as e: code = e.code
        finally: os.chdir(cwd)
        left = sorted(f"{p.name} ({p.stat().st_size} B, mode {p.stat().st_mode & 0o777:o})" for p in Path(d).iterdir())
    text = (err.getvalue().strip().splitlines() if code else out.getvalue().strip().splitlines()[-1:]) or ['']
    tb = 'Traceback' in err.getvalue()
    return code, short(text[0] if not tb else 'TRACEBACK ' + text[-1]), ', '.join(left) or 'none'

def signal_probe(argv, after, sig=signal.SIGINT):
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.Popen(CLI + argv, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, OMP_NUM_THREADS='1'),
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))   # as in a terminal, even if started in the background
        if isinstance(after, str):                      # wait for this text on stdout (the run has started)
            line = ''
            while after not in line: line = p.stdout.readline()
            time.sleep(20)
        else: time.sleep(after)
        p.send_signal(sig)
        out, err = p.communicate(timeout=120)
        left = sorted(f"{q.name} ({q.stat().st_size} B, mode {q.stat().st_mode & 0o777:o})" for q in Path(d).iterdir())
    lines = [l for l in (err.strip().splitlines() + out.strip().splitlines()) if 'stopped' in l or 'interrupted' in l or 'received' in l] or [err or out]
    return p.returncode, short(('TRACEBACK ' if 'Traceback' in err else '') + lines[0]), ', '.join(left) or 'none'

def api_probe(f):
    try: return 'returned', short(repr(f()))
    except Exception as e: return type(e).__name__, short(e)

G = ['generate']
J = G + ['jellyfish']
CLI_PROBES = [
    ('misspelt class', G + ['jelyfish']), ('no such class', G + ['qqqqq']), ('class -1', G + ['-1']), ('class 1000', G + ['1000']),
    ('class "107" (an index as text)', G + ['107', '--size', '32', '--steps', '1']),
    ('--size 8', J + ['--size', '8']), ('--size 10000', J + ['--size', '10000']), ('--steps 0', J + ['--steps', '0']),
    ('--lr inf', J + ['--lr', 'inf']), ('--lr nan', J + ['--lr', 'nan']), ('--lr -1', J + ['--lr', '-1']),
    ('--noise inf', J + ['--noise', 'inf']), ('--noise nan', J + ['--noise', 'nan']), ('--seed -1', J + ['--seed', '-1']),
    ('--seed 2**40', J + ['--seed', str(2 ** 40)]), ('--views 0', J + ['--views', '0']), ('--method nope', J + ['--method', 'nope']),
    ('--set jitter (no value)', J + ['--set', 'jitter']), ('--set count=two', J + ['--set', 'count=two']),
    ('--set nosuch=1', J + ['--set', 'nosuch=1']),
    ('-o out (no extension)', J + ['-o', 'out']), ('-o out.xyz', J + ['-o', 'out.xyz']), ('-o no/such/dir/x.png', J + ['-o', 'no/such/dir/x.png']),
    ('--gif run.png', J + ['--gif', 'run.png']), ('--gif run (no extension)', J + ['--gif', 'run']),
    ('--device cuda without a GPU', J + ['--device', 'cuda']), ('--device tpu', J + ['--device', 'tpu']),
    ('--model tf_efficientnet_lite (typo)', J + ['--model', 'tf_efficientnet_lite']),
    ('--model resnet50 offline', J + ['--model', 'resnet50']), ('--model nosuchnet', J + ['--model', 'nosuchnet']),
    ('--prompt with a class', J + ['--prompt', 'a cat']), ('--method clip without --prompt', J + ['--method', 'clip']),
    ('--prompt, real CLIP weights offline', G + ['--prompt', 'a cat', '--size', '32', '--steps', '1']),
    ('--prompt with the offline stand-in', G + ['--prompt', 'a cat', '--clip', 'tiny-untrained', '--size', '32', '--steps', '2', '-o', 'cat.png']),
    ('a good run, 32 px, 2 steps, with --gif', J + ['--size', '32', '--steps', '2', '-o', 'j.png', '--gif', 'j.gif']),
    ('--gif in a folder that cannot be written (/proc/x.gif)', J + ['--size', '32', '--steps', '2', '--gif', '/proc/x.gif']),
    ('-o some/folder/ (a folder)', J + ['-o', './']), ('--set count=1000000000 (views per step)', J + ['--set', 'count=1000000000']),
    ('--steps 99999999999 (longer than a day)', J + ['--size', '32', '--steps', '99999999999']),
    ('--set noise_kind=x', J + ['--set', 'noise_kind=x']), ('--lr 1e300', J + ['--lr', '1e300', '--size', '32', '--steps', '2']),
    ('crane (two classes share the name)', G + ['crane']), ('maillot (two classes share the name)', G + ['maillot']),
    ("'crane (machine)'", G + ['crane (machine)', '--size', '32', '--steps', '1']),
    ('classes shark', ['classes', 'shark']), ('classes zzzz', ['classes', 'zzzz']),
]

class Vector(nn.Module):       # returns (N,)
    def forward(self, x): return x.mean((1, 2, 3))
class Spatial(nn.Module):      # returns (N, 1000, 1, 1)
    def forward(self, x): return x.mean((2, 3))[..., None, None].repeat(1, 334, 1, 1)[:, :1000]
class Pair(nn.Module):         # returns a tuple
    def forward(self, x): return (x.flatten(1)[:, :1000], None)
class Dict(nn.Module):         # returns a dict
    def forward(self, x): return {'logits': x.flatten(1)[:, :1000]}
class Doubled(nn.Module):      # returns (2N, 1000)
    def forward(self, x): return x.flatten(1)[:, :1000].repeat(2, 1)

def small_bn_model(classes=1000):
    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, classes)).train()

def user_model_untouched(recipe_name):
    "Run a recipe on a train-mode BatchNorm model; report whether state dict, training flag, requires_grad and .grad are as they were."
    from das_tutorial.recipes import all_recipes
    m = small_bn_model(); before = {k: v.clone() for k, v in m.state_dict().items()}
    m[0].weight.requires_grad_(False)
    all_recipes()[recipe_name]('jellyfish', model=m, size=32, steps=3, **(dict(params='all') if recipe_name == 'dfg' else {}))
    same = all(torch.equal(before[k], v) for k, v in m.state_dict().items())
    return dict(state_dict_same=same, training=m.training, requires_grad=[p.requires_grad for p in m.parameters()][:2],
                grads=sum(p.grad is not None for p in m.parameters()))

def _text_file():
    f = Path(tempfile.mkdtemp()) / 'notes.png'; f.write_text('not a picture'); return f

def api_probes():
    from das_tutorial.core import load_classifier, load_image, find_classes, class_index, as_classifier
    from das_tutorial.evaluate import judge_score
    from das_tutorial.recipes import get_recipe
    das = get_recipe('das')
    rows = [
        ('load_classifier(None)', lambda: load_classifier(None)), ('load_classifier(123)', lambda: load_classifier(123)),
        ('find_classes(None)', lambda: find_classes(None)), ("class_index('107')", lambda: class_index('107')),
        ('load_image(size=3.5)', lambda: load_image(torch.rand(3, 8, 8), size=3.5)),
        ('judge_score on an empty batch', lambda: judge_score(torch.rand(0, 3, 64, 64), 1)),
        ('load_image of a tensor with NaN', lambda: load_image(torch.full((1, 3, 32, 32), float('nan')))),
        ('load_image of a tensor in 0..255', lambda: load_image(torch.rand(1, 3, 32, 32) * 255)),
        ('an image in 0..255 into judge_score', lambda: judge_score(torch.rand(1, 3, 64, 64) * 255, 1)),
        ('model returning (N,)', lambda: das('jellyfish', size=32, steps=1, model=Vector())),
        ('model returning (N,1000,1,1)', lambda: das('jellyfish', size=32, steps=1, model=Spatial())),
        ('model returning a tuple', lambda: das('jellyfish', size=32, steps=1, model=Pair())),
        ('model returning a dict', lambda: das('jellyfish', size=32, steps=1, model=Dict())),
        ('model returning (2N,1000)', lambda: das('jellyfish', size=32, steps=1, model=Doubled())),
        ('10-class model, target 107', lambda: das(107, size=32, steps=1, model=small_bn_model(10))),
        ('load_image of a text file', lambda: load_image(_text_file())),
        ('transfigure from a 1x1 photo', lambda: __import__('das_tutorial.transforms').transforms.transfigure(torch.rand(1, 3, 1, 1), 'tabby')),
        ("class_index('crane')", lambda: class_index('crane')), ("class_index('panda')", lambda: class_index('panda')),
        ('das with count=10**9 (views per step)', lambda: das('jellyfish', size=32, steps=1, count=10**9)),
        ('das on 10**6 classes at once', lambda: das(['jellyfish'] * 10**6, size=224, steps=1)),
    ]
    rows += [(f'user BN model in train mode after {r}', (lambda r=r: user_model_untouched(r))) for r in ['naive', 'das', 'dfg', 'cag']]
    return [(name, *api_probe(f)) for name, f in rows]

def _run(argv, cwd, preexec=None, env=None):
    r = subprocess.run(CLI + argv, cwd=cwd, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS='1', **(env or {})), preexec_fn=preexec)
    tb = 'Traceback' in r.stderr
    first = (r.stderr.strip().splitlines() or [''])[-1 if tb else 0] if r.returncode else (r.stdout.strip().splitlines() or [''])[-1]
    return r.returncode, short(('TRACEBACK ' if tb else '') + first)

def _listing(d):
    return ', '.join(f"{q.name} ({q.stat().st_size} B)" for q in sorted(Path(d).iterdir())) or 'none'

@contextlib.contextmanager
def small_disk(kb):
    "A tmpfs of `kb` KB (root only), unmounted afterwards; None where it cannot be mounted."
    d = tempfile.mkdtemp()
    ok = subprocess.run(['mount', '-t', 'tmpfs', '-o', f'size={kb}k', 'tmpfs', d], capture_output=True).returncode == 0
    try: yield d if ok else None
    finally:
        if ok: subprocess.run(['umount', d])

def fault_probes():
    "Full disks, a file-size limit, a damaged or read-only run cache, a second Ctrl-C (issue 42)."
    import resource
    rows, JJ = [], J + ['--size', '48', '--steps', '3']
    with tempfile.TemporaryDirectory() as d:
        Path(d, 'x.png').write_bytes(b'old')
        limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
        rows.append(('ulimit -f 1, over an existing x.png', *_run(JJ + ['-o', 'x.png'], d, limit), _listing(d)))
    with small_disk(64) as d:
        if d is None: rows.append(('-o on a full 64 KB tmpfs', 'skipped', 'needs root to mount a tmpfs', ''))
        else:
            try: Path(d, 'fill').write_bytes(b'\0' * 65536)   # fills the disk to the last byte
            except OSError: pass
            rows.append(('-o on a full 64 KB tmpfs', *_run(JJ + ['-o', 'x.png'], d), _listing(d)))
    with small_disk(64) as d:
        if d is not None:
            Path(d, 'keep.png').write_bytes(b'old png'); Path(d, 'old.gif').write_bytes(b'old gif')
            Path(d, 'fill').write_bytes(b'\0' * 50000)     # about 8 KB free: the PNG fits, the GIF of 3 frames may not
            rows.append(('-o keep.png --gif old.gif with ~8 KB free', *_run(J + ['--size', '64', '--steps', '6', '-o', 'keep.png', '--gif', 'old.gif'], d), _listing(d)))
    rows += cache_probes()
    p = subprocess.Popen(CLI + J + ['--size', '64', '--steps', '2000', '-o', 'out.png', '--gif', 'out.gif'], cwd=(d := tempfile.mkdtemp()),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, OMP_NUM_THREADS='1', TQDM_DISABLE=''),
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    buf = ''
    while not any(f'| {k}/2000' in buf for k in range(3, 2000)): buf += os.read(p.stderr.fileno(), 4096).decode(errors='ignore')
    p.send_signal(signal.SIGINT); time.sleep(0.8); p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    last = [l for l in (err + out).splitlines() if 'interrupted' in l or 'written' in l or 'Traceback' in l]
    rows.append(('Ctrl-C after step 3, again 0.8 s later', p.returncode, short(' / '.join(last)), _listing(d)))
    return rows

def cache_probes():
    "A tiny `evaluate.compare` run, its one cache entry damaged, then the same run again."
    code = """
import os, sys, torch
from das_tutorial.core import load_classifier
from das_tutorial.evaluate import compare
from das_tutorial.recipes import all_recipes
m = load_classifier(device='cpu')
rows, ims = compare({'naive': all_recipes()['naive'].method(size=32, evaluations=2)}, m, classes=[107], seeds=[0], progress=False)
im = ims['naive'][0][0]
print(f"min {im.min():.3f} max {im.max():.3f} robust p {rows[0]['robust_p']:.3f}")
"""
    rows = []
    for how in ['truncated', 'empty', 'random bytes', '1000 flipped bytes in the image', 'read-only cache folder']:
        with tempfile.TemporaryDirectory() as d:
            env = dict(DAS_CACHE=str(Path(d, 'runs')), TQDM_DISABLE='1')
            base = {k: v for k, v in os.environ.items() if k not in ('IN_TEST', 'DAS_QUICK')}
            first = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=dict(base, **env))
            entries = list(Path(d, 'runs').glob('*.pt'))
            if not entries: rows.append((f'run cache: {how}', 'no entry', short(first.stderr), '')); continue
            f = entries[0]; data = bytearray(f.read_bytes())
            if how == 'truncated': data = data[:len(data) // 2]
            elif how == 'empty': data = b''
            elif how == 'random bytes': data = os.urandom(len(data))
            elif how.startswith('1000'):
                at = len(data) // 3; data[at:at + 1000] = bytes(b ^ 0x5A for b in data[at:at + 1000])
            f.write_bytes(bytes(data))
            pre = None
            if how.startswith('read-only'):
                f.unlink(); ro = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'ro', 'tmpfs', str(Path(d, 'runs'))], capture_output=True).returncode == 0
                if not ro: rows.append((f'run cache: {how}', 'skipped', 'needs root to mount', '')); continue
            again = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=dict(base, **env))
            if how.startswith('read-only'): subprocess.run(['umount', str(Path(d, 'runs'))])
            said = [l for l in again.stderr.splitlines() if l.strip()]
            said = re.sub(r'/\S+/', '', said[-1]) if said else 'no warning'
            same = 'the same picture and scores as the first run' if again.stdout == first.stdout else f'DIFFERENT: {again.stdout.strip()}'
            rows.append((f'run cache: {how}', again.returncode, short(('TRACEBACK ' if 'Traceback' in again.stderr else '') + said, 150) + f' → {same}', short(first.stdout.strip())))
    return rows

if __name__ == '__main__':
    t0 = time.time()
    torch.set_num_threads(1)
    print('| CLI probe | exit | first line of the message (last line of the output when it succeeded) | files left |\n|---|---|---|---|')
    for name, argv in CLI_PROBES:
        code, msg, left = cli_probe(argv)
        print(f"| {name} | {code} | {msg.replace('|', '/')} | {left} |", flush=True)
    LONG = J + ['-o', 'j.png', '--steps', '2000', '--size', '64']
    for name, argv, after, sig in [('Ctrl-C while torch loads', J + ['-o', 'j.png'], 1.0, signal.SIGINT),
                                   ('Ctrl-C during the run (after step 1)', LONG, 'steps on', signal.SIGINT),
                                   ('SIGTERM during the run', LONG, 'steps on', signal.SIGTERM),
                                   ('SIGHUP during the run', LONG, 'steps on', signal.SIGHUP),
                                   ('SIGTERM while torch loads', J + ['-o', 'j.png'], 1.0, signal.SIGTERM)]:
        code, msg, left = signal_probe(argv, after, sig)
        print(f"| {name} | {code} | {msg.replace('|', '/')} | {left} |", flush=True)
    print('\n| fault probe | exit | what it said | files left (or the first run) |\n|---|---|---|---|')
    for name, code, msg, left in fault_probes(): print(f"| {name} | {code} | {msg.replace('|', '/')} | {left} |", flush=True)
    print('\n| API probe | outcome | message or result |\n|---|---|---|')
    for name, kind, msg in api_probes(): print(f"| {name} | {kind} | {msg.replace('|', '/')} |", flush=True)
    print(f'\n{time.time() - t0:.0f} s')
