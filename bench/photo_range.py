"""The photographs' range that the command line prints beside an undecided verdict (`evaluate.PHOTO_RANGE`).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/photo_range.py     # about 20 s on 2 CPU cores

Each of lesson 00b's seven calibration photographs (`evaluate.PHOTOS`, the central square at 224 px) is judged for each
of its plausible classes and keeps the class it scores best on by robust p, as in the lesson's calibration; the script
prints the lowest, median and highest robust p and coarse p over the seven.
"""
import os
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, torch
from das_tutorial.evaluate import PHOTOS, photo, judge_panel, default_judges

def photo_scores():
    "(robust p, coarse p) of each calibration photo on its best plausible class."
    judges = default_judges('cpu')
    rows = [max((judge_panel(photo(k), c, judges)[0] for c in classes), key=lambda r: r['robust_p'])
            for k, (*_, classes) in PHOTOS.items()]
    return [(r['robust_p'], r['coarse_p']) for r in rows]

def photo_range(scores):
    "{'robust': (lowest, median, highest), 'coarse': (...)} over the photos."
    return {name: tuple(round(float(f(col)), 3) for f in (np.min, np.median, np.max))
            for name, col in zip(('robust', 'coarse'), zip(*scores))}

if __name__ == '__main__':
    torch.set_num_threads(2)
    scores = photo_scores()
    for (r, c), k in zip(scores, PHOTOS): print(f'{k:12s} robust p {r:.3f}  coarse p {c:.3f}')
    print('PHOTO_RANGE =', photo_range(scores))
