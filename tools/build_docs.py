"""Build the documentation site offline: execute every notebook, apply nbdev's processing, convert with nbconvert.

Quarto (what `nbdev_docs` uses) is not needed: this runs the notebooks the way `nbdev_test` does (cells marked
`#| eval: false`, `#| slow` or `#| gpu` are not run), applies nbdev's own notebook processors (directives,
`#| hide`, `show_doc`, links to the API), and writes one HTML page per notebook, in pipeline order, with a
navigation bar, to `_docs/` (or `--out`). `python tools/build_docs.py --check` also checks that every local
link and anchor resolves.

Usage: python tools/build_docs.py [--out _docs] [--only NAME ...] [--check]
"""
from __future__ import annotations
import argparse, html, os, re, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
SKIP_FLAGS = {"slow", "gpu"}


def page_name(notebook: Path) -> str:
    "`10_latent.ipynb` → `latent` (nbdev's own page names, so its API links resolve)."
    return re.sub(r"^\d+_", "", notebook.stem)


def notebooks() -> list[Path]:
    "index first, then the chapters in file order (pipeline order)."
    found = sorted(p for p in NBS.glob("*.ipynb") if not p.name.startswith((".", "_")))
    return sorted(found, key=lambda p: (p.stem != "index", p.name))


def title_of(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if m: return m.group(1).strip()
    return "untitled"


def execute(path: Path):
    "Run a notebook like nbdev_test does and return it (execnb's dict form) with its outputs."
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    from nbdev.process import NBProcessor
    from nbdev.processors import FrontmatterProc
    nb = NBProcessor(path, procs=FrontmatterProc, process=True).nb

    def no_eval(cell):
        if cell.cell_type != "code": return True
        directives = getattr(cell, "directives_", {}) or {}
        if directives.get("eval:", [""])[0].lower() == "false": return True
        return bool(SKIP_FLAGS & set(directives))

    shell = CaptureShell(path)
    with working_directory(path.parent):
        try: shell.run_all(nb, exc_stop=True, preproc=no_eval)
        except Exception as e:
            raise NotebookError(f"{path.name} failed:\n{shell.prettytb(fname=path)}") from e
    return nb


class NotebookError(RuntimeError):
    "A notebook raised while the docs were being built (a failing test, as nbdev_test reports it)."


def process(nb):
    "nbdev's processors for docs (directives, hide, show_doc, API links)."
    from nbdev.processors import FilterDefaults

    class AlreadyExecuted(FilterDefaults):   # outputs (show_doc's included) come from `execute`: do not run cells again
        def base_procs(self):
            return [p for p in super().base_procs() if p.__name__ not in ("exec_show_docs", "add_show_docs")]
    AlreadyExecuted()(nb)
    return nb


def to_html(nb, doc_prefix: str) -> tuple[str, str]:
    "(body HTML, page title) of a processed notebook."
    import nbformat
    from execnb.nbio import nb2str
    from nbconvert import HTMLExporter
    node = nbformat.reads(nb2str(nb), as_version=4)
    for cell in node.cells:
        if cell.cell_type != "code": continue
        lines = cell.source.splitlines()
        directives = [l for l in lines if l.startswith("#|")]
        cell.source = "\n".join(l for l in lines if not l.startswith("#|")).strip()
        if any(re.match(r"#\|\s*(echo:\s*false|hide_input)", d) for d in directives) or cell.source.startswith("show_doc("):
            cell.metadata.setdefault("tags", []).append("remove_input")
        if any(re.match(r"#\|\s*output:\s*false", d) for d in directives): cell.outputs = []   # live widgets: nothing static to show
        if not cell.source and not cell.outputs: cell.metadata.setdefault("tags", []).append("remove_cell")
    from traitlets.config import Config
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = {"remove_input"}
    c.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}
    c.HTMLExporter.exclude_input_prompt = c.HTMLExporter.exclude_output_prompt = True
    exporter = HTMLExporter(config=c, template_name="classic")
    body, _ = exporter.from_notebook_node(node)
    body = body.replace(doc_prefix, "")          # nbdev's API links point at the online site: make them local
    return body, title_of(node)


def api_anchors(page: str) -> set[str]:
    "The anchors nbdev's API links expect on `page` (from semcomp/_modidx.py)."
    import importlib
    syms = importlib.import_module("semcomp._modidx").d["syms"]
    return {url.partition("#")[2] for entries in syms.values() for url, _ in entries.values()
            if url.partition("#")[0] == f"{page}.html" and "#" in url}


def add_anchors(body: str, page: str) -> str:
    "Give every API symbol an anchor: at its `show_doc` heading when there is one, else at the top of the page."
    ids = {i.lower(): i for i in re.findall(r'<h[1-6] id="([^"]+)"', body)}
    top = []
    for anchor in sorted(api_anchors(page)):
        if anchor in ids and ids[anchor] != anchor:
            body = re.sub(rf'(<h[1-6] id="{re.escape(ids[anchor])}")', lambda m: f'<a id="{anchor}"></a>' + m.group(1), body, count=1)
        elif anchor not in ids: top.append(f'<a id="{anchor}"></a>')
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "".join(top), body, count=1)


def navigation(pages: list[tuple[str, str]], current: str) -> str:
    items = "".join(f'<li{" class=current" if name == current else ""}><a href="{name}.html">{html.escape(title)}</a></li>'
                    for name, title in pages)
    return ('<nav id="semcomp-nav"><a class="home" href="index.html">semcomp</a><ol>' + items + "</ol></nav>")


STYLE = """<style>
#semcomp-nav{position:fixed;top:0;left:0;width:210px;height:100%;overflow-y:auto;background:#f6f8fa;border-right:1px solid #ddd;
  padding:12px;font:14px/1.5 system-ui,sans-serif;z-index:10}
#semcomp-nav .home{font-weight:700;font-size:17px;text-decoration:none}
#semcomp-nav ol{padding-left:20px} #semcomp-nav .current a{font-weight:700}
body{margin-left:240px!important} .container{width:auto!important;max-width:1100px}
</style>"""


def build(out: Path, only: list[str] | None = None, log=print) -> list[Path]:
    "Build the site into `out`; returns the pages written."
    from fastcore.xtras import working_directory
    from nbdev.config import get_config
    with working_directory(ROOT):
        cfg = get_config()
        prefix = f"{cfg.doc_host}{cfg.doc_baseurl}/".replace("//", "/").replace(":/", "://")
    out.mkdir(parents=True, exist_ok=True)
    rendered = []
    for path in notebooks():
        if only and page_name(path) not in only and path.stem not in only: continue
        start = time.time()
        os.environ["IN_TEST"] = "1"
        with working_directory(ROOT):
            nb = process(execute(path))
        body, title = to_html(nb, prefix)
        rendered.append((page_name(path), title, body))
        log(f"{path.name} → {page_name(path)}.html ({time.time() - start:.0f} s)")
    import nbformat
    pages = [(page_name(p), title_of(nbformat.read(p, as_version=4))) for p in notebooks()]   # every page, built now or not
    written = []
    for name, title, body in rendered:
        body = body.replace("<title>Notebook</title>", f"<title>semcomp — {html.escape(title)}</title>")
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + navigation(pages, name), body, count=1)
        body = add_anchors(body.replace("</head>", STYLE + "</head>", 1), name)
        target = out / f"{name}.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


def broken_links(folder: Path) -> list[str]:
    "Local links (page and #anchor) in the site's pages that point nowhere."
    ids = {}
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        ids[page.name] = set(re.findall(r'\sid="([^"]+)"', text))
    bad = []
    for page in folder.glob("*.html"):
        for href in re.findall(r'\shref="([^"]+)"', page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", href) or href.startswith("//"): continue          # external: not checked offline
            target, _, anchor = html.unescape(href).partition("#")
            name = target or page.name
            if name not in ids: bad.append(f"{page.name}: {href} (no page {name})")
            elif anchor and anchor not in ids[name]: bad.append(f"{page.name}: {href} (no anchor #{anchor} in {name})")
    return bad


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "_docs")
    p.add_argument("--only", nargs="*", help="build only these pages (e.g. core latent)")
    p.add_argument("--check", action="store_true", help="check that every local link and anchor resolves")
    args = p.parse_args(argv)
    try: written = build(args.out, args.only)
    except NotebookError as e:
        print(e, file=sys.stderr); return 1
    print(f"wrote {len(written)} pages to {args.out}; open {args.out / 'index.html'}")
    if args.check:
        bad = broken_links(args.out)
        for b in bad: print("broken link:", b, file=sys.stderr)
        if bad: return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
