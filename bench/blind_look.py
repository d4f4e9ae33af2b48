"""A blind side-by-side look: the pictures of two or more methods on the same classes and seed, at full size (224 px shown at
224 px), one row per class, the methods' columns shuffled per row and unlabelled, and a key file that says which column is which.

Look first, key last: open the grid, write down for each row which picture reads as the class and why (the notes file), and only
then open the key. Every change of a default records one such look in `bench/` (grid, notes, key).

The pictures come from a `bench/peers.py --work FOLDER` run (each method's images are kept there as METHOD.pt).

    .venv/bin/python bench/blind_look.py --work /tmp/bench_work --methods das,das_whole,torch_dreams,lucent --out bench/blind
"""
import argparse, json, random, sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE)); sys.path.insert(0, str(HERE.parent))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--work', required=True, help="a bench/peers.py --work folder (METHOD.pt per method)")
    ap.add_argument('--methods', required=True, help='comma-separated methods, two or more')
    ap.add_argument('--seed', type=int, default=0, help='which run seed to show (default 0)')
    ap.add_argument('--shuffle', type=int, default=20261130, help='seed of the column shuffle')
    ap.add_argument('--rows', type=int, default=5, help='classes per grid file')
    ap.add_argument('--out', required=True, help='folder for blind_N.jpg (JPEG, quality 92) and key.json (created)')
    a = ap.parse_args()
    import torch
    from peers import labelled_grid
    methods = [m.strip() for m in a.methods.split(',') if m.strip()]
    if len(methods) < 2: ap.error('give two or more methods')
    res = {}
    for m in methods:
        f = Path(a.work) / f'{m}.pt'
        if not f.exists(): ap.error(f'no pictures for {m} in {a.work} (run bench/peers.py --work {a.work} --methods {m})')
        res[m] = torch.load(f)
    keys = res[methods[0]]['keys']
    if any(r['keys'] != keys for r in res.values()): ap.error('the methods were not run on the same classes and seeds')
    idx = [i for i, (s, _) in enumerate(keys) if s == a.seed]
    if not idx: ap.error(f'seed {a.seed} was not run')
    classes = [keys[i][1] for i in idx]
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(a.shuffle)
    key = {}
    for k in range(0, len(classes), a.rows):
        rows = {}
        for c, i in zip(classes[k:k + a.rows], idx[k:k + a.rows]):
            order = methods[:]; rng.shuffle(order)
            key[c] = {chr(65 + j): m for j, m in enumerate(order)}
            rows[c] = ([res[m]['images'][i:i + 1] for m in order], None)
        # labelled_grid draws methods as rows; here a row is a class and its columns are the shuffled methods
        by_row = {c: (torch.cat(ims), None) for c, (ims, _) in rows.items()}
        path = out / f'blind_{k // a.rows + 1}.jpg'
        labelled_grid(by_row, [chr(65 + j) for j in range(len(methods))], path, label=False)
        print(f'wrote {path}: rows {", ".join(rows)} (top to bottom), columns A-{chr(64 + len(methods))} shuffled per row, unlabelled')
    (out / 'key.json').write_text(json.dumps(dict(seed=a.seed, shuffle=a.shuffle, work=a.work, columns=key), indent=1) + '\n')
    print(f'wrote {out / "key.json"}: do not open it before the notes are written')


if __name__ == '__main__': main()
