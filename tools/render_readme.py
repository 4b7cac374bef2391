"""Render README.md from nbs/index.ipynb without Quarto.

nbdev's own `nbdev_readme` needs Quarto; this does the same job offline: cells marked `#| hide` are dropped,
other `#|` directive lines are removed, `#| echo: false` keeps only a cell's output, `#| output: false` only its
source, and nbconvert writes Markdown. Outputs are included as they are stored in the notebook. Links and images
relative to the notebook (`../result/x.png`) are rewritten relative to the repository root, where README.md lives.

    python tools/render_readme.py [--check]    # --check: exit 1 if README.md is out of date
"""
import copy, re, sys
from pathlib import Path

import nbformat
from nbconvert import MarkdownExporter

ROOT = Path(__file__).resolve().parents[1]


def directives(source: str) -> dict:
    out = {}
    for line in source.splitlines():
        s = line.strip()
        if not s.startswith("#|"): break
        key, _, value = s[2:].strip().partition(":")
        out[key.strip()] = value.strip() or True
    return out


def strip_directives(source: str) -> str:
    lines = source.splitlines()
    while lines and lines[0].strip().startswith("#|"): lines.pop(0)
    return "\n".join(lines)


def render(nb_path: Path = ROOT / "nbs" / "index.ipynb") -> str:
    nb = copy.deepcopy(nbformat.read(nb_path, as_version=4))
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            d = directives(cell.source)
            if "hide" in d or "default_exp" in d: continue
            cell.source = strip_directives(cell.source)
            if d.get("echo") == "false": cell.source = ""
            if d.get("output") == "false": cell.outputs = []
            if not cell.source and not cell.get("outputs"): continue
        cells.append(cell)
    nb.cells = cells
    body, _ = MarkdownExporter().from_notebook_node(nb)
    body = re.sub(r"\]\(\.\./", "](", body)                  # nbs/../x is x from the root
    note = "<!-- Generated from nbs/index.ipynb by tools/render_readme.py: edit the notebook, not this file. -->\n\n"
    return note + body.strip() + "\n"


if __name__ == "__main__":
    text, readme = render(), ROOT / "README.md"
    if "--check" in sys.argv[1:]:
        if readme.read_text(encoding="utf-8") != text:
            sys.exit("README.md is out of date with nbs/index.ipynb: run `make readme`")
    else:
        readme.write_text(text, encoding="utf-8")
