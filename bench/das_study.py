"""Lesson 05's evidence, at study size: the learning-rate sweep and the ablation of the post's method with a tuned rate (SGD_TUNED),
each at the course-wide setting (`COMPARE`: 128 px, 200 model evaluations per image, the five lesson
classes, two seeds; all tuning classes), judged by the panel. About 40 minutes on 2 CPU cores with an empty cache; `compare`
keeps every judged run in ~/.cache/das_tutorial/runs, so the lessons' own rows are reused and a second run takes seconds.

Writes one markdown table per study to bench/das_study/<name>.md and its pictures (first seed) to nbs/images/das_study/<name>.png;
lesson 05 shows both.

    .venv/bin/python bench/das_study.py                 # both studies
    .venv/bin/python bench/das_study.py sweep           # one of them

The defaults themselves are chosen by bench/das_defaults.py (224 px, 400 evaluations, tuning classes, three seeds).
"""
import sys, time
from pathlib import Path

import matplotlib; matplotlib.use('Agg')
from das_tutorial.core import load_classifier
from das_tutorial.recipes import get_recipe
from das_tutorial.evaluate import COMPARE, compare, summarise, show_comparison
import das_tutorial.priors, das_tutorial.transforms, das_tutorial.octaves   # register lessons 02-04's recipes
from das_tutorial.stacks import das, SGD_TUNED

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ('method', 'runs', 'robust_p', 'coarse_p', 'cross_p', 'judge_p', 'saturation', 'contrast', 'hit', 'reads', 'flags', 'ms/eval')


def studies(model):
    budget = dict(size=COMPARE['size'], evaluations=COMPARE['evaluations'], model=model)
    P = lambda **kw: das.method(**budget, **{**SGD_TUNED, **kw})
    return {
        'sweep': {f'lr {lr:g}': P(lr=lr) for lr in (0.1, 0.3, 1.0, 3.0)},
        'ablation': {'naive (01)': get_recipe('naive').method(**budget),
                     'priors (02)': get_recipe('priors').method(**budget),
                     'views + priors (03)': get_recipe('transforms').method(**budget, priors=True),
                     'octaves (04)': get_recipe('octaves').method(**budget),
                     'image stack, SGD tuned (05)': P(),
                     'stack, RGB colour': P(decorrelate=False),
                     'stack, no canvas (resized crops)': P(canvas=False),
                     'stack, Gaussian noise': P(noise_kind='gaussian'),
                     'stack, no noise': P(noise=0),
                     'stack, no jitter': P(jitter=0),
                     'stack, no augmentation': P(jitter=0, noise=0),
                     'stack, Adam at 0.03': P(optimizer='adam', lr=0.03)},
    }


def md_table(summary):
    cols = [c for c in COLUMNS if c in summary[0]]
    fmt = lambda v: f'{v:.1f}' if isinstance(v, float) else str(v)
    return '\n'.join(['| ' + ' | '.join(cols) + ' |', '|' + '---|' * len(cols)] + ['| ' + ' | '.join(fmt(r[c]) for c in cols) + ' |' for r in summary])


def main(names):
    model = load_classifier(device='cpu')
    all_studies = studies(model)
    for name in names or list(all_studies):
        t0 = time.time()
        rows, images = compare(all_studies[name], model)
        table = md_table(summarise(rows))
        setting = f"{COMPARE['size']} px, {COMPARE['evaluations']} model evaluations per image, classes {', '.join(COMPARE['classes'])}, seeds {COMPARE['seeds']}"
        out = ROOT / 'bench' / 'das_study' / f'{name}.md'; out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(f"{table}\n\n*{setting}; mean ± sd over seeds; `.venv/bin/python bench/das_study.py {name}`*\n")
        fig = show_comparison(images, COMPARE['classes'], rows)
        pic = ROOT / 'nbs' / 'images' / 'das_study' / f'{name}.png'; pic.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(pic, dpi=80, bbox_inches='tight')
        print(f'{name}: {time.time() - t0:.0f} s -> {out.relative_to(ROOT)}, {pic.relative_to(ROOT)}\n{table}\n', flush=True)


if __name__ == '__main__':
    main(sys.argv[1:])
