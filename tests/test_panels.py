"""Every lesson's panel, as its notebook ships it, runs: the cells the panel needs and the panel cell are executed here (no browser),
Run is pressed with the values the panel opens with (only the size and the number of steps made small), and the run must finish
without 'Could not run'. `make browser-test` does the same in a real JupyterLab; this check runs wherever the tests run."""
import ast, json, sys
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / 'tests' / 'browser'))
from run_panels import lessons, cells_to_run   # the browser check's own choice of lessons and cells

PANELS = sorted(lessons().items())


def build_panel(nb):
    "Execute the panel's cells of `nb` in a fresh namespace; returns the value of the panel cell's last expression."
    cells = json.loads((REPO / 'nbs' / nb).read_text())['cells']
    ns = {}
    for i in cells_to_run(nb):
        tree = ast.parse(''.join(cells[i]['source']))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, f'{nb} cell {i}', 'exec'), ns)
        if last is not None: value = eval(compile(ast.Expression(last.value), f'{nb} cell {i}', 'eval'), ns)
    return value


@pytest.mark.parametrize('nb,recipe', PANELS, ids=[nb for nb, _ in PANELS])
def test_panel_runs_as_shipped(nb, recipe):
    panel = build_panel(nb)
    assert panel.recipe.name == recipe
    c = panel.controls
    if 'size' in c: c['size'].value = c['size'].min
    if 'steps' in c: c['steps'].value = 6   # at least one per octave (lessons 04 and 08 default to 3)
    panel.background = False
    panel.start()
    assert 'Could not' not in panel.status.value, f'{nb}: the panel, as it opens, answers {panel.status.value!r}'
    assert panel.result is not None and panel.result.steps >= 1
