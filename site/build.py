"""Build the course's website into `_site/` from the notebooks' saved outputs (`make site`): README as the home page, one page
per lesson in order, the benchmark results, and the API reference from the docstrings. Nothing is executed."""
import re, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC, OUT = ROOT / '_site_src', ROOT / '_site'


def main():
    shutil.rmtree(SRC, ignore_errors=True); shutil.rmtree(OUT, ignore_errors=True)
    SRC.mkdir()
    shutil.copy(ROOT / 'site' / 'conf.py', SRC / 'conf.py')
    lessons = sorted(p for p in (ROOT / 'nbs').glob('[0-9]*.ipynb'))
    for p in lessons: shutil.copy(p, SRC / p.name)
    shutil.copytree(ROOT / 'nbs' / 'images', SRC / 'images')
    shutil.copytree(ROOT / 'bench', SRC / 'bench', ignore=shutil.ignore_patterns('*.py', '.peers', '__pycache__'))
    readme = (ROOT / 'README.md').read_text().replace('](nbs/images/', '](images/')
    readme = re.sub(r'\]\((bench/[^)]*?)/?\)', lambda m: f']({m.group(1)}{"/README.md" if not Path(m.group(1)).suffix else ""})', readme)
    toc = '\n'.join(p.stem for p in lessons)
    (SRC / 'index.md').write_text(readme + f"\n\n```{{toctree}}\n:caption: Lessons\n:maxdepth: 1\n\n{toc}\n```\n\n"
                                  "```{toctree}\n:caption: Reference\n:maxdepth: 1\n\nbench/results\napi\n```\n")
    mods = ['core', 'evaluate', 'ascent', 'priors', 'transforms', 'octaves', 'stacks', 'clip', 'dfg', 'cag', 'widgets', 'cli']
    (SRC / 'api.md').write_text('# API reference\n\nEvery function and class the lessons export, with its docstring; a recipe lists its settings and their defaults in its signature.\n\n'
                                + '\n'.join(f"## `das_tutorial.{m}`\n\n```{{eval-rst}}\n.. automodule:: das_tutorial.{m}\n```\n" for m in mods))
    for d in (SRC / 'bench').rglob('*'):   # markdown folders without a page of their own get none
        if d.is_dir() and not (d / 'README.md').exists() and any(d.glob('*.md')): pass
    r = subprocess.run([sys.executable, '-m', 'sphinx', '-b', 'html', '-q', str(SRC), str(OUT)], cwd=ROOT)
    if r.returncode: sys.exit(r.returncode)
    print(f'built {OUT}: open it with  python3 -m http.server -d {OUT.relative_to(ROOT)} 8000')


if __name__ == '__main__':
    main()
