"""The built website (`make site`), checked in a real browser (Chromium + Playwright, as `make browser-test`).

Serves `_site/` on a local port and visits the home page and every page it links to: every page loads with no console error and
no failed request, every image has loaded (natural width > 0), no saved output shows a widget's text fallback (`VBox(children`) or
an unfinished progress bar (`0%|`), every lesson page shows at least one picture, and every lesson is reachable from the home page.
Prints a table; exits non-zero on any failure. Screenshots of the home page and one lesson go to site-test/.

    .venv/bin/python tests/browser/check_site.py
"""
import functools, http.server, os, re, sys, threading
from pathlib import Path
from urllib.parse import urljoin, urldefrag

REPO = Path(__file__).resolve().parents[2]
SITE, SHOTS = REPO / '_site', REPO / 'site-test'
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')


def serve():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE))
    handler.log_message = lambda *a: None
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}/'


def main():
    if not (SITE / 'index.html').exists(): sys.exit(f'no site in {SITE}: run `make site` first')
    from playwright.sync_api import sync_playwright
    lessons = sorted(p.stem for p in (REPO / 'nbs').glob('[0-9]*.ipynb'))
    srv, base = serve(); SHOTS.mkdir(exist_ok=True)
    rows, failures = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox', '--disable-gpu'])
        page = browser.new_page(viewport=dict(width=1280, height=900))
        errors = []
        page.on('console', lambda m: errors.append(f'console {m.type}: {m.text}') if m.type == 'error' else None)
        page.on('pageerror', lambda e: errors.append(f'page error: {e}'))
        page.on('requestfailed', lambda r: errors.append(f'failed request: {r.url}'))
        page.on('response', lambda r: errors.append(f'{r.status}: {r.url}') if r.status >= 400 else None)
        todo, seen, home_links = [base], set(), set()
        while todo:
            url = todo.pop(0)
            if url in seen: continue
            seen.add(url); errors.clear()
            resp = page.goto(url, wait_until='networkidle')
            name = url[len(base):] or 'index.html'
            text = '\n'.join(page.eval_on_selector_all('div.cell_output', 'els => els.map(e => e.innerText)'))   # what the notebooks printed, not the prose
            imgs = page.eval_on_selector_all('img', 'els => els.map(e => [e.getAttribute("src"), e.complete && e.naturalWidth > 0])')
            links = {urldefrag(urljoin(url, h))[0] for h in page.eval_on_selector_all('a[href]', 'els => els.map(e => e.getAttribute("href"))')}
            links = {l for l in links if l.startswith(base) and l.endswith('.html') and '_sources' not in l and 'genindex' not in l and 'search' not in l}
            if url == base: home_links = links; page.screenshot(path=str(SHOTS / 'home.png'), full_page=False)
            if name == '05_image_stacks.html': page.screenshot(path=str(SHOTS / 'lesson05.png'), full_page=False)
            todo += sorted(links - seen)
            problems = list(errors)
            if resp is None or resp.status != 200: problems.append(f'status {resp and resp.status}')
            problems += [f'broken image {s}' for s, ok in imgs if not ok]
            if 'VBox(children' in text: problems.append('a widget shown as text')
            if re.search(r'(?<![\d.])0%\|', text): problems.append('an unfinished progress bar')
            if name[:2].isdigit() and not imgs: problems.append('no picture')
            rows.append((name, len(imgs), '; '.join(problems) or 'ok'))
            if problems: failures.append(name)
        browser.close()
    srv.shutdown()
    missing = [l for l in lessons if f'{base}{l}.html' not in seen]
    unlinked = [l for l in lessons if f'{base}{l}.html' not in home_links]
    w = max(len(r[0]) for r in rows)
    for name, n, what in rows: print(f'{name:{w}s}  {n:3d} images  {what}')
    if missing: print('lessons not reached:', missing)
    if unlinked: print('lessons not linked from the home page:', unlinked)
    print(f'{len(rows)} pages; screenshots in {SHOTS.relative_to(REPO)}/')
    sys.exit(1 if failures or missing or unlinked else 0)


if __name__ == '__main__':
    main()
