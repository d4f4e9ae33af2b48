"""Peak memory of one view's forward and backward pass through a classifier: the `VIEW_BYTES_PER_PIXEL` figure of lesson 01's
memory check. Each measurement runs in a fresh process (peak RSS cannot be reset), with 1 and 9 views; the difference / 8 is one view.

    .venv/bin/python bench/view_memory.py          # lite0 at 224 px and lite2 at 260 px, a few seconds each
"""
import resource, subprocess, sys

def peak_mb(name, n, side):
    code = (f"import torch, resource; torch.set_num_threads(1)\nfrom das_tutorial.core import load_classifier\n"
            f"m = load_classifier('{name}'); base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            f"x = torch.rand({n}, 3, {side}, {side}, requires_grad=True); m(x)[:, 1].sum().backward()\n"
            f"print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)")
    return float(subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.split()[-1])

if __name__ == '__main__':
    print('| model | side | MB for 1 view | MB for 9 views | bytes per view pixel |\n|---|---|---|---|---|')
    for name, side in (('tf_efficientnet_lite0', 224), ('tf_efficientnet_lite2', 260)):
        one, nine = peak_mb(name, 1, side), peak_mb(name, 9, side)
        print(f'| {name} | {side} | {one:.0f} | {nine:.0f} | {(nine - one) / 8 * 2**20 / side ** 2:.0f} |', flush=True)
