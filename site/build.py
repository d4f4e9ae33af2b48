"""Build the course's website into `_site/` from the notebooks' saved outputs (`make site`): README as the home page, one page
per lesson in order, the benchmark results, and the API reference from the docstrings. Nothing is executed."""
import json, re, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC, OUT = ROOT / '_site_src', ROOT / '_site'


def main():
    shutil.rmtree(SRC, ignore_errors=True); shutil.rmtree(OUT, ignore_errors=True)
    SRC.mkdir()
    shutil.copy(ROOT / 'site' / 'conf.py', SRC / 'conf.py')
    from PIL import Image
    Image.open(ROOT / 'nbs' / 'images' / 'demo.png').convert('RGB').resize((32, 32)).save(SRC / 'favicon.png')   # a browser asks for one
    lessons = sorted(p for p in (ROOT / 'nbs').glob('[0-9]*.ipynb'))
    for p in lessons:   # the nbdev directive cell that names the module says nothing to a reader of the site
        nb = json.loads(p.read_text())
        nb['cells'] = [c for c in nb['cells'] if not ''.join(c['source']).strip().startswith('#| default_exp')]
        (SRC / p.name).write_text(json.dumps(nb))
    shutil.copytree(ROOT / 'nbs' / 'images', SRC / 'images')
    shutil.copytree(ROOT / 'bench', SRC / 'bench', ignore=shutil.ignore_patterns('*.py', '.peers', '__pycache__'))
    readme = (ROOT / 'README.md').read_text().replace('](nbs/images/', '](images/')
    def page(link):   # a folder link goes to its README, else to its first note
        if Path(link).suffix: return link
        d = ROOT / link
        return f"{link}/{'README.md' if (d / 'README.md').exists() else sorted(p.name for p in d.glob('*.md'))[0]}"
    readme = re.sub(r'\]\((bench/[^)]*?)/?\)', lambda m: f']({page(m.group(1))})', readme)
    for p in (SRC / 'bench').rglob('*.md'):   # a page needs a title
        if not re.search(r'^# ', p.read_text(), re.M): p.write_text(f"# {p.relative_to(SRC / 'bench').with_suffix('')}\n\n" + p.read_text())
    toc = '\n'.join(p.stem for p in lessons)
    notes = sorted(str(p.relative_to(SRC).with_suffix('')) for p in (SRC / 'bench').rglob('*.md') if p.name != 'results.md')
    (SRC / 'index.md').write_text(readme + f"\n\n```{{toctree}}\n:caption: Lessons\n:maxdepth: 1\n\n{toc}\n```\n\n"
                                  "```{toctree}\n:caption: Reference\n:maxdepth: 1\n\nbench/results\napi\n```\n\n"
                                  "```{toctree}\n:caption: Benchmark notes\n:maxdepth: 1\n\n" + '\n'.join(notes) + "\n```\n")
    from das_tutorial.recipes import RECIPE_MODULES   # the lessons' modules, in order: one list for the registry, the site and the cache
    mods = ['core', 'evaluate', 'recipes', *RECIPE_MODULES.values(), 'widgets', 'cli']
    (SRC / 'api.md').write_text('# API reference\n\nEvery function and class the lessons export, with its docstring; a recipe lists its settings and their defaults in its signature.\n\n'
                                + '\n'.join(f"## `das_tutorial.{m}`\n\n```{{eval-rst}}\n.. automodule:: das_tutorial.{m}\n```\n" for m in mods))
    r = subprocess.run([sys.executable, '-m', 'sphinx', '-b', 'html', '-q', str(SRC), str(OUT)], cwd=SRC)
    shutil.rmtree(ROOT / 'jupyter_execute', ignore_errors=True)   # myst-nb's copies of the notebooks, next to the output folder
    if r.returncode: sys.exit(r.returncode)
    print(f'built {OUT}: open it with  python3 -m http.server -d {OUT.relative_to(ROOT)} 8000')


if __name__ == '__main__':
    main()
