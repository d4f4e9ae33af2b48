"""The `das` defaults study for speed and cleanliness (issue 30): the same 400 model evaluations per image spent in other ways,
on tuning classes only, three seeds, 224 px, judged by the panel and by grain (share of spectral power above a quarter cycle
per pixel, `das_tutorial.evaluate.grain`), with full-size pictures of every seed to look at before the numbers.

Each variant changes one thing from `4x100` (four views a step for 100 steps, today's settings otherwise, fused AdamW) but
`1x400 (before)`, the default before this study, run exactly as it was (one view a step, torch's per-tensor AdamW).

    .venv/bin/python bench/das_defaults.py                      # round 1, all variants (43 min on 2 cores)
    .venv/bin/python bench/das_defaults.py --round 2            # round 2 (9 min)
    .venv/bin/python bench/das_defaults.py --only "4x100,4x100 no canvas"  # some of them (names as in the table)

Writes bench/das_defaults/study.md (table) and bench/das_defaults/seed{0,1,2}.jpg (full size: one row per variant, one column per
class); `--round 2`, the candidates chosen after looking at round 1, writes round2.md and round2_seed*.jpg. Judged runs are
cached (~/.cache/das_tutorial/runs).
"""
import argparse, time
from pathlib import Path
import numpy as np
import torch
import matplotlib; matplotlib.use('Agg')
import matplotlib.pyplot as plt
from das_tutorial.core import load_classifier, to_pil
from das_tutorial.evaluate import compare, grain, photo, PHOTOS, TUNING_CLASSES, LESSON_CLASSES
from das_tutorial.stacks import das

HERE = Path(__file__).resolve().parent
OUT = HERE / 'das_defaults'
CLASSES = ('flamingo', 'castle', 'strawberry')      # tuning classes outside the lessons' five
assert set(CLASSES) <= set(TUNING_CLASSES) and not set(CLASSES) & set(LESSON_CLASSES)
SEEDS, SIZE, EVALS = (0, 1, 2), 224, 400


def per_tensor_adamw(params, lr): return torch.optim.AdamW(params, lr=lr)   # the optimiser as it ran before (not fused)


def variants(round=1):
    "name -> das settings; steps = 400 // views. Round 2 came after round 1 and a code change (channels-last views)."
    base = dict(count=4)
    if round == 2:
        return {'4x100 no canvas (round 2)': dict(base, canvas=False),
                '4x100 no canvas, lr 4.5e-4': dict(base, canvas=False, lr=4.5e-4),
                '4x100 no canvas, lr 6e-4': dict(base, canvas=False, lr=6e-4)}
    return {
        '1x400 (before)': dict(count=1, optimizer=per_tensor_adamw),
        '4x100': base,
        '4x100 lr 6e-4': dict(base, lr=6e-4),
        '8x50 lr 1e-3': dict(base, count=8, lr=1e-3),
        '16x25 lr 2e-3': dict(base, count=16, lr=2e-3),
        '4x100 no canvas': dict(base, canvas=False),
        '4x100 no canvas, layer step 8': dict(base, canvas=False, step=8),
        '4x100 views downsampled (0.5-1.0)': dict(base, resize_max=1.0),
        '4x100 noise 0.1': dict(base, noise=0.1),
        '4x100 alpha 1.5': dict(base, alpha=1.5),
    }


def mean_sd(rows, key):
    per_seed = [np.mean([r[key] for r in rows if r['seed'] == s]) for s in SEEDS if any(r['seed'] == s for r in rows)]
    return f'{np.mean(per_seed):.3f} ± {np.std(per_seed):.3f}'


def table(rows, names):
    cols = ('robust_p', 'coarse_p', 'cross_p', 'judge_p', 'saturation', 'grain')
    lines = ['| variant | ' + ' | '.join(c.replace('_', ' ') for c in cols) + ' | reads as the class | s / image |', '|---' * (len(cols) + 3) + '|']
    for n in names:
        rs = [r for r in rows if r['method'] == n]
        reads = sum(r['verdict'] == 'reads as the class' for r in rs)
        lines.append(f'| {n} | ' + ' | '.join(mean_sd(rs, c) for c in cols) + f' | {reads}/{len(rs)} | {np.median([r["seconds"] for r in rs]):.1f} |')
    return '\n'.join(lines)


def grid(images, rows, names, seed, path):
    "Full-size pictures (224 px at 100 dpi): one row per variant, one column per class, the panel's figures under each."
    fig, axs = plt.subplots(len(names), len(CLASSES), figsize=(2.3 * len(CLASSES) + 1.6, 2.62 * len(names)), squeeze=False, dpi=100)
    for i, n in enumerate(names):
        for j, c in enumerate(CLASSES):
            ax = axs[i, j]; ax.imshow(to_pil(images[n][seed][j]), interpolation='none'); ax.set_xticks([]); ax.set_yticks([])
            r = next(r for r in rows if r['method'] == n and r['target'] == c and r['seed'] == seed)
            ax.set_xlabel(f"r {r['robust_p']:.2f} c {r['coarse_p']:.2f} g {r['grain']:.3f}", fontsize=7)
            if i == 0: ax.set_title(c, fontsize=9)
            if j == 0: ax.set_ylabel(n, fontsize=8)
    fig.tight_layout(); fig.savefig(path, dpi=100, pil_kwargs=dict(quality=92)); plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--only', default=None, help='comma-separated variant names')
    ap.add_argument('--round', type=int, default=1, help='1: the first screening; 2: the candidates after it (round2.md, round2_seed*.jpg)')
    a = ap.parse_args()
    torch.set_num_threads(2)
    model = load_classifier(device='cpu')
    vs = variants(a.round)
    names = [n for n in vs if a.only is None or n in a.only.split(',')]
    methods = {n: das.method(SIZE, EVALS, model=model, **vs[n]) for n in names}
    t0 = time.time()
    rows, images = compare(methods, model, classes=list(CLASSES), seeds=list(SEEDS))
    for r in rows:
        r['grain'] = grain(images[r['method']][r['seed']][CLASSES.index(r['target'])]).item()
    OUT.mkdir(exist_ok=True)
    prefix = '' if a.round == 1 else f'round{a.round}_'
    photos = {n: grain(photo(n)).item() for n in PHOTOS}
    for s in SEEDS: grid(images, rows, names, s, OUT / f'{prefix}seed{s}.jpg')
    text = (f"# The `das` defaults study (issue 30){'' if a.round == 1 else f', round {a.round}'}\n\n`.venv/bin/python bench/das_defaults.py{'' if a.round == 1 else f' --round {a.round}'}` ({(time.time() - t0) / 60:.0f} min on 2 cores, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}). Tuning classes {', '.join(CLASSES)}; seeds {SEEDS}; {SIZE} px; "
            f"{EVALS} model evaluations per image (steps = {EVALS} / views). Mean over classes per seed, then mean ± sd over seeds. "
            f"grain: share of spectral power above 0.25 cycles/px; the calibration photos (lesson 00b) at {SIZE} px: "
            f"{min(photos.values()):.3f}–{max(photos.values()):.3f} (" + ', '.join(f'{k} {v:.3f}' for k, v in photos.items()) + ").\n\n"
            + table(rows, names) + '\n')
    (OUT / ('study.md' if a.round == 1 else f'round{a.round}.md')).write_text(text)
    print(text)


if __name__ == '__main__': main()
