"""Time the loop's bookkeeping (`Recorder.before_step` + `after_step`: the image copy, the history, the best image)
inside a default `das` run at 224 px, progress bar off.

    .venv/bin/python bench/bookkeeping.py
"""
import time, statistics, torch
torch.set_num_threads(2)
import das_tutorial.ascent as A
from das_tutorial.core import load_classifier
from das_tutorial.stacks import das
t = {'before': [], 'after': []}
def timed(name, f):
    def g(*a, **k):
        s = time.perf_counter(); r = f(*a, **k); t[name].append(time.perf_counter() - s); return r
    return g
A.Recorder.before_step = timed('before', A.Recorder.before_step)
A.Recorder.after_step = timed('after', A.Recorder.after_step)
m = load_classifier()
s = time.perf_counter(); run = das('jellyfish', model=m, progress=False); total = time.perf_counter() - s
print(f"das default, 224 px, 100 steps: {total:.1f} s, {1000 * total / 100:.1f} ms/step")
for k, v in t.items(): print(f"{k}_step: median {1000 * statistics.median(v):.3f} ms, max {1000 * max(v):.3f} ms over {len(v)} steps")
