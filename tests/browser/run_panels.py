"""The panels, tested the way a learner uses them: JupyterLab in a real browser (`make browser-test`).

For every lesson that has a panel (found through the recipe registry), in a real JupyterLab driven by Playwright and Debian's
Chromium: open the notebook (and check that opening it does not mark it modified), run the cells the panel needs (the panel
cell, and any cell marked `# needed by the panel`), and check what a learner sees — the panel renders as controls, the preview
shows a placeholder picture before the first run, changing a control and clicking Run updates the preview and the progress bar,
Stop ends a run and the status says so, and no error text appears. A screenshot per lesson goes to browser-test/, a table is
printed, every process started here is stopped by its id, and the exit code is non-zero on any failure.

The notebooks are served from a temporary copy, so nothing here can save over the repository's notebooks.

    .venv/bin/python tests/browser/run_panels.py [--lessons 01,05] [--keep-open]
"""
import argparse, json, os, shutil, signal, socket, secrets, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent
OUT = REPO / 'browser-test'
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
CHROME_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
               '--disable-component-update', '--disable-sync']
TIMEOUT = 180_000   # ms, for one condition


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def lessons(only=None):
    "{notebook file name: recipe name} for every registered recipe whose lesson notebook has a panel cell."
    sys.path.insert(0, str(REPO))
    from das_tutorial.recipes import all_recipes
    out = {}
    for name, r in all_recipes().items():
        nbs = sorted((REPO / 'nbs').glob(f'{r.lesson}_*.ipynb'))
        if not nbs or (only and r.lesson not in only): continue
        if any('recipe_panel(' in ''.join(c['source']) for c in json.loads(nbs[0].read_text())['cells'] if c['cell_type'] == 'code'): out[nbs[0].name] = name
    return out


def cells_to_run(nb):
    "Indices (among all cells) of the panel cell and the cells marked as needed by it."
    cells = json.loads((REPO / 'nbs' / nb).read_text())['cells']
    keep = [i for i, c in enumerate(cells) if c['cell_type'] == 'code' and ('# needed by the panel' in ''.join(c['source'])
            or ('recipe_panel(' in ''.join(c['source']) and 'def recipe_panel' not in ''.join(c['source'])))]
    return keep


def api(base, token, path, method='GET', tries=5):
    "A call to the Jupyter server's REST API (retried: the server can answer 500 while a kernel starts or stops)."
    req = urllib.request.Request(f'{base}{path}', method=method, headers={'Authorization': f'token {token}'})
    for k in range(tries):
        try:
            with urllib.request.urlopen(req, timeout=10) as r: return json.loads(r.read() or b'null')
        except Exception:
            if k == tries - 1: raise
            time.sleep(1)


def start_lab(root, port, token):
    "Start JupyterLab on 127.0.0.1 (quick sizes, no update checks); returns the process."
    env = dict(os.environ, DAS_QUICK='1', OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '2'),
               JUPYTER_CONFIG_DIR=str(root / '.jupyter'), JUPYTERLAB_SETTINGS_DIR=str(root / '.lab-settings'),
               JUPYTERLAB_WORKSPACES_DIR=str(root / '.lab-workspaces'))
    settings = root / '.lab-settings' / '@jupyterlab' / 'docmanager-extension'
    settings.mkdir(parents=True, exist_ok=True)
    (settings / 'plugin.jupyterlab-settings').write_text(json.dumps({'autosave': False}))
    news = root / '.lab-settings' / '@jupyterlab' / 'apputils-extension'
    news.mkdir(parents=True, exist_ok=True)
    (news / 'notification.jupyterlab-settings').write_text(json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))
    cmd = [str(VENV / 'jupyter-lab'), '--no-browser', '--ip=127.0.0.1', f'--port={port}', f'--ServerApp.token={token}',
           f'--ServerApp.root_dir={root}', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate']
    if hasattr(os, 'geteuid') and os.geteuid() == 0: cmd.append('--allow-root')
    log = open(root / 'jupyterlab.log', 'w')
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f'http://127.0.0.1:{port}'
    deadline = time.time() + 120
    while time.time() < deadline:
        try: api(base, token, '/api/status'); return proc, base
        except Exception: time.sleep(0.5)
        if proc.poll() is not None: raise RuntimeError(f'JupyterLab exited at start: see {root / "jupyterlab.log"}')
    raise RuntimeError('JupyterLab did not answer within 120 s')


def wait_kernels_idle(base, token, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        ks = api(base, token, '/api/kernels')
        if ks and all(k['execution_state'] == 'idle' for k in ks): return
        time.sleep(0.3)
    raise TimeoutError('the kernel did not become idle')


def run_cell(page, index):
    "Run one cell in place (select it, command mode, Ctrl+Enter) and wait until it has finished."
    cell = page.locator('.jp-Notebook .jp-Cell').nth(index)
    cell.scroll_into_view_if_needed()
    cell.locator('.jp-InputArea-editor').click()
    page.keyboard.press('Escape'); page.keyboard.press('Control+Enter')
    page.wait_for_function("c => { const p = c.querySelector('.jp-InputPrompt'); return p && /\\[\\d+\\]/.test(p.textContent) }",
                           arg=cell.element_handle(), timeout=TIMEOUT)
    return cell


def check_lesson(browser, base, token, nb, recipe, shots):
    "Drive one lesson's panel as a learner would; returns a result row (raises AssertionError with what went wrong)."
    row = dict(lesson=nb.split('_')[0], notebook=nb, recipe=recipe)
    page = browser.new_page(viewport={'width': 1500, 'height': 1100})
    shot = shots / f'{Path(nb).stem}.png'
    try:
        t = time.time()
        page.goto(f'{base}/lab/tree/{nb}?token={token}&reset', timeout=TIMEOUT)
        page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=TIMEOUT)
        wait_kernels_idle(base, token)
        page.wait_for_timeout(500)
        dirty = page.locator('.lm-TabBar-tab.jp-mod-dirty').count()
        assert dirty == 0, 'opening the notebook marked it modified (its metadata differs from what JupyterLab writes)'
        row['open_s'] = time.time() - t
        idx = cells_to_run(nb)
        for i in idx[:-1]: run_cell(page, i)
        t = time.time()
        cell = run_cell(page, idx[-1])
        panel = cell.locator('.jp-OutputArea-output .widget-vbox').first
        panel.wait_for(timeout=TIMEOUT)
        row['render_s'] = time.time() - t
        assert cell.locator('.jp-OutputArea-output pre').count() == 0 or 'VBox(' not in cell.locator('.jp-OutputArea-output').inner_text(), 'the panel shows as a text repr, not as controls'
        img = panel.locator('img').first
        ok = img.evaluate('im => im.complete && im.naturalWidth > 0')
        assert ok, 'the preview shows a broken image before the first run'
        box = img.bounding_box()
        assert box and abs(box['width'] - box['height']) <= 2, f"the preview is drawn {box and round(box['width'])}x{box and round(box['height'])} px: a square picture is stretched"
        src0 = img.get_attribute('src')
        text = panel.locator('.widget-text input').first
        text.fill('goldfish'); text.press('Enter')   # a class name: offline, the clip recipe's embedder is the classifier (closed vocabulary)
        panel.get_by_role('button', name='Run').click()
        t = time.time()
        page.wait_for_function('([im, s]) => im.getAttribute("src") !== s', arg=[img.element_handle(), src0], timeout=TIMEOUT)
        row['run_to_preview_s'] = time.time() - t
        bar = panel.locator('.progress-bar').first
        page.wait_for_function("b => parseFloat(b.style.width || '0') > 0", arg=bar.element_handle(), timeout=TIMEOUT)
        status = panel.locator('.widget-html-content').last
        page.wait_for_function("s => /steps|stopped|Could not/.test(s.textContent)", arg=status.element_handle(), timeout=TIMEOUT)
        assert 'Could not' not in status.inner_text(), f'the panel reports an error: {status.inner_text()}'
        row['status'] = status.inner_text()
        steps = panel.locator('.widget-slider', has=page.locator('.widget-label', has_text='steps')).locator('.widget-readout').first
        steps.click(); page.keyboard.press('Control+A'); page.keyboard.type('400'); page.keyboard.press('Enter')
        panel.get_by_role('button', name='Run').click()
        page.wait_for_function("b => parseFloat(b.style.width || '0') > 0.5", arg=bar.element_handle(), timeout=TIMEOUT)
        page.wait_for_function("s => s.textContent.includes('running')", arg=status.element_handle(), timeout=TIMEOUT)
        panel.get_by_role('button', name='Stop').click()
        t = time.time()
        page.wait_for_function("s => /stopped at step|Could not/.test(s.textContent)", arg=status.element_handle(), timeout=TIMEOUT)
        row['stop_s'] = time.time() - t
        assert 'Could not' not in status.inner_text(), f'the panel reports an error: {status.inner_text()}'
        row['status'] = status.inner_text()
        cell.scroll_into_view_if_needed(); page.wait_for_timeout(300)
        cell.screenshot(path=str(shot))
        row['screenshot'] = str(shot.relative_to(REPO))
        row['ok'] = True
        return row
    except Exception as e:
        try: page.screenshot(path=str(shot), full_page=False)
        except Exception: pass
        row.update(ok=False, error=f'{type(e).__name__}: {str(e).splitlines()[0][:300]}', screenshot=str(shot.relative_to(REPO)))
        return row
    finally:
        page.close(run_before_unload=False)
        for k in api(base, token, '/api/kernels') or []: api(base, token, f"/api/kernels/{k['id']}", 'DELETE')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--lessons', default='', help='comma-separated lesson numbers (default: all with a panel)')
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright
    t_all = time.time()
    todo = lessons(set(a.lessons.split(',')) if a.lessons else None)
    if not todo: sys.exit('no lesson with a panel found')
    root = Path(tempfile.mkdtemp(prefix='das-browser-'))
    for nb in (REPO / 'nbs').glob('*.ipynb'): shutil.copy(nb, root / nb.name)
    if (REPO / 'nbs' / 'images').exists(): shutil.copytree(REPO / 'nbs' / 'images', root / 'images')
    shutil.rmtree(OUT, ignore_errors=True); OUT.mkdir()
    port, token = free_port(), secrets.token_hex(16)
    proc, base = start_lab(root, port, token)
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROME_ARGS)
            try:
                for nb, recipe in todo.items():
                    print(f'{nb} ({recipe}) ...', flush=True)
                    rows.append(check_lesson(browser, base, token, nb, recipe, OUT))
                    r = rows[-1]
                    print(f"   {'ok' if r['ok'] else 'FAILED: ' + r['error']}  [{r['screenshot']}]", flush=True)
            finally: browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try: proc.wait(30)
        except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGKILL); proc.wait()
    f = lambda v: f'{v:.1f}' if isinstance(v, float) else '–'
    print('\n| lesson | recipe | open s | render s | Run → first preview s | Stop → stopped s | result |')
    print('|---|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['notebook']} | {r['recipe']} | {f(r.get('open_s'))} | {f(r.get('render_s'))} | {f(r.get('run_to_preview_s'))} | {f(r.get('stop_s'))} | "
              f"{'ok' if r['ok'] else 'FAILED: ' + r['error'] + ' (screenshot ' + r['screenshot'] + ')'} |")
    print(f'\n{len(rows)} lessons in {time.time() - t_all:.0f} s; screenshots in {OUT.relative_to(REPO)}/')
    shutil.rmtree(root, ignore_errors=True)
    bad = [r for r in rows if not r['ok']]
    if bad: sys.exit(f"{len(bad)} of {len(rows)} panels failed: " + '; '.join(f"{r['notebook']}: {r['error']} (see {r['screenshot']})" for r in bad))


if __name__ == '__main__':
    main()
