"""Build the documentation site offline: execute every notebook, apply nbdev's processing, convert with nbconvert.

Quarto (what `nbdev_docs` uses) is not needed: this runs the notebooks the way `nbdev_test` does (cells marked
`#| eval: false`, `#| slow` or `#| gpu` are not run), applies nbdev's own notebook processors (directives,
`#| hide`, `show_doc`, links to the API), and writes one HTML page per notebook, in pipeline order, with a
navigation bar, to `_docs/` (or `--out`). `python tools/build_docs.py --check` also checks that every local
link and anchor resolves.

Usage: python tools/build_docs.py [--out _docs] [--only NAME ...] [--check] [--jobs N]
"""
from __future__ import annotations
import argparse, contextlib, html, importlib, os, re, shutil, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
SKIP_FLAGS = {"slow", "gpu"}


def page_name(notebook: Path) -> str:
    "`10_latent.ipynb` → `latent`, `10a_diffc.ipynb` → `diffc` (nbdev's own page names, so its API links resolve)."
    return re.sub(r"^\d+[a-zA-Z0-9]*_", "", notebook.stem.lower())


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
    from nbdev.processors import FrontmatterProc, add_show_docs
    # directives stay in the source (they are comments) so that `process` sees them again; `add_show_docs` documents
    # every exported symbol that has no show_doc cell, as nbdev_docs does
    from fastcore.basics import AttrDict
    nb = NBProcessor(path, procs=[FrontmatterProc, add_show_docs], process=True, rm_directives=False).nb
    for cell in nb.cells: cell.metadata = AttrDict(cell.get("metadata") or {})   # the added cells' metadata is a plain dict
    running = []

    def no_eval(cell):
        if cell.cell_type != "code": return True
        directives = getattr(cell, "directives_", {}) or {}
        if directives.get("eval:", [""])[0].lower() == "false": return True
        if SKIP_FLAGS & set(directives): return True
        running[:] = [cell]
        return False

    shell = CaptureShell(path)
    with working_directory(path.parent):
        try: shell.run_all(nb, exc_stop=True, preproc=no_eval)
        except Exception as e:
            cell = running[0] if running else None
            where = f"cell {cell.get('id', '?')} (#{cell.idx_}): {cell.source.strip().splitlines()[0][:100] if cell.source.strip() else ''}" if cell else "?"
            raise NotebookError(f"{path.name}, {where}\n{shell.prettytb(fname=path)}") from e
    return nb


class NotebookError(RuntimeError):
    "A notebook raised while the docs were being built (a failing test, as nbdev_test reports it)."


def process(nb):
    "nbdev's processors for docs (front matter, directives, `#| hide`, `#| export`, show_doc, API links)."
    from nbdev.processors import FilterDefaults

    class AlreadyExecuted(FilterDefaults):   # outputs (show_doc's included) come from `execute`: do not run cells again
        def base_procs(self):
            return [p for p in super().base_procs() if p.__name__ not in ("exec_show_docs", "add_show_docs")]
    AlreadyExecuted()(nb)                                        # its FrontmatterProc keeps the front matter `execute` read
    nb.cells = [c for c in nb.cells if "source" in c]          # nbdev's `hide_`/`rm_export` delete a hidden cell's source
    for cell in nb.cells:                                        # the directives nbconvert must honour, as cell tags
        d, tags = cell.get("directives_") or {}, cell.setdefault("metadata", {}).setdefault("tags", [])
        if cell.cell_type != "code": continue
        if d.get("echo:", [""])[0].lower() == "false" or "hide_input" in d: tags.append("remove_input")
        if d.get("output:", [""])[0].lower() == "false": cell.outputs = []        # live widgets: nothing static to show
    return nb


MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$\w])\$([^$\n]+?)\$(?!\w)", re.S)   # $$display$$ or $inline$
CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)


def protect_math(markdown: str, formulas: list) -> str:
    "Replace each TeX formula outside code in `markdown` by a placeholder; append (tex, display) to `formulas`."
    def hold(m):
        formulas.append((m.group(1) if m.group(1) is not None else m.group(2), m.group(1) is not None))
        return f"SCMATH{len(formulas) - 1}Z"
    return "".join(part if i % 2 else MATH.sub(hold, part) for i, part in enumerate(CODE.split(markdown)))


def mathml(tex: str, display: bool) -> str:
    "TeX → MathML (rendered by the browser itself: no script, no network)."
    from latex2mathml.converter import convert
    try: return convert(tex.strip(), display="block" if display else "inline")
    except Exception as e: raise ValueError(f"formula {tex!r} cannot be converted to MathML: {e}") from e


def header_markdown(front: dict) -> str:
    "The page's title and summary, from nbdev's front matter (what nbdev's own sites show at the top)."
    return f"# {front.get('title', 'untitled')}\n\n> {front['description']}" if front.get("description") else f"# {front.get('title', 'untitled')}"


def is_blank_stream(output) -> bool:
    return output.get("output_type") == "stream" and not "".join(output.get("text", "")).strip()


def to_html(nb, doc_prefix: str) -> tuple[str, str]:
    "(body HTML, page title) of a processed notebook."
    import nbformat
    from execnb.nbio import nb2str
    from nbconvert import HTMLExporter
    front = dict(getattr(nb, "frontmatter_", {}) or {})
    node = nbformat.reads(nb2str(nb), as_version=4)
    node.cells = [c for c in node.cells if not (c.cell_type == "raw" and c.source.startswith("---"))          # front matter
                  and not (c.cell_type == "markdown" and c.source.strip().startswith("<!-- WARNING"))]   # nbdev's note to editors
    node.cells.insert(0, nbformat.v4.new_markdown_cell(header_markdown(front)))
    formulas = []
    for cell in node.cells:
        if cell.cell_type == "markdown": cell.source = protect_math(cell.source, formulas); continue
        if cell.cell_type != "code": continue
        lines = cell.source.splitlines()
        directives = [l for l in lines if l.startswith("#|")]        # what nbdev's processors add (show_doc: echo: false)
        cell.source = "\n".join(l for l in lines if not l.startswith("#|")).strip()
        tags = cell.metadata.setdefault("tags", [])
        if any(re.match(r"#\|\s*(echo:\s*false|hide_input)", d) for d in directives) or cell.source.startswith("show_doc("):
            tags.append("remove_input")
        cell.outputs = [o for o in cell.outputs if not is_blank_stream(o)]                   # no empty output boxes
        if (not cell.source or "remove_input" in tags) and not cell.outputs: tags.append("remove_cell")
    from traitlets.config import Config
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = {"remove_input"}
    c.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}
    c.HTMLExporter.exclude_input_prompt = c.HTMLExporter.exclude_output_prompt = True
    exporter = HTMLExporter(config=c, template_name="classic")
    body, _ = exporter.from_notebook_node(node)
    body = body.replace(doc_prefix, "")          # nbdev's API links point at the online site: make them local
    body = re.sub(r"SCMATH(\d+)Z", lambda m: mathml(*formulas[int(m.group(1))]), body)
    return self_contained(body), front.get("title") or title_of(node)


def self_contained(body: str) -> str:
    "No request leaves the site: drop the template's scripts (require.js, jQuery, MathJax, mermaid, widget manager) and remote CSS."
    body = re.sub(r"<script\b[^>]*>.*?</script>\s*", "", body, flags=re.S | re.I)
    body = re.sub(r"<link\b[^>]*href=\"(https?:)?//[^\"]*\"[^>]*>\s*", "", body, flags=re.I)
    return re.sub(r"\{target=&quot;_blank&quot;[^}]*\}|\{target=\"_blank\"[^}]*\}", "", body)   # a Quarto attribute nbconvert does not know


SOURCE_LINK = re.compile(r'href="\.\./semcomp/(\w+)\.py(?:#L(\d+))?"')


def link_sources(body: str) -> str:
    "show_doc's `source` links (`../semcomp/<module>.py#L<n>`, right in JupyterLab) → the source pages shipped with the site."
    return SOURCE_LINK.sub(lambda m: f'href="{m.group(1)}.py.html' + (f'#L-{m.group(2)}"' if m.group(2) else '"'), body)


REPO_IMAGE = re.compile(r'(<img\b[^>]*\bsrc=")\.\./([^"]+)"')


def ship_images(body: str, out: Path) -> str:
    "Images the notebooks show from the repository (`../result/x.png`, right in JupyterLab and on GitHub) are copied into the site's media/ and linked there."
    def ship(m):
        source = ROOT / html.unescape(m.group(2))
        if not source.is_file(): return m.group(0)                 # left as it is: the browser check reports it
        target = out / "media" / m.group(2).replace("/", "_")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return f'{m.group(1)}media/{m.group(2).replace("/", "_")}"'
    return REPO_IMAGE.sub(ship, body)


def source_page(module: Path) -> str:
    "A module's source as a page of the site, one anchor per line (`#L-<n>`)."
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer
    fmt = HtmlFormatter(linenos="inline", lineanchors="L", anchorlinenos=True, style="default")
    code = highlight(module.read_text(encoding="utf-8"), PythonLexer(), fmt)
    name = f"semcomp/{module.name}"
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>semcomp — {name}</title>'
            f'<style>{fmt.get_style_defs(".highlight")} body{{margin:0;padding:16px 24px;font:14px/1.45 system-ui,sans-serif}}'
            f' pre{{font-size:13px;line-height:1.4;white-space:pre;overflow-x:auto}} .linenos a{{color:#999;text-decoration:none}}'
            f' :target{{background:#fff3b0}}</style></head>'
            f'<body><p><a href="index.html">semcomp</a> · <code>{name}</code> (the file <code>nbdev_export</code> wrote from the'
            f' notebooks; this site ships it so that every <i>source</i> link works offline)</p>{code}</body></html>')


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
  padding:12px;font:14px/1.5 system-ui,sans-serif;z-index:10;box-sizing:border-box}
#semcomp-nav .home{font-weight:700;font-size:17px;text-decoration:none}
#semcomp-nav ol{padding-left:20px} #semcomp-nav .current a{font-weight:700}
body{margin-left:230px!important} .container{width:auto!important;max-width:min(1040px, calc(100vw - 270px))}
div.output_subarea{max-width:100%!important}   /* the classic template keeps 14ex for prompts that this site does not show */
.rendered_html h1:first-child{margin-top:0.4em} .rendered_html h1 + blockquote{border:0;padding:0;margin:0 0 1.5em;color:#555;font-size:1.15em}
pre, .rendered_html pre, div.output_area pre{white-space:pre!important;word-break:normal!important;overflow-wrap:normal!important;
  overflow-x:auto!important}
code, .rendered_html code{word-break:normal!important;overflow-wrap:normal!important}
pre code, .rendered_html pre code{white-space:pre!important;background:transparent!important;padding:0!important}
.rendered_html .highlight, .rendered_html .highlight pre, .rendered_html pre{background:#f6f8fa!important;border-radius:3px}
.rendered_html .highlight pre, .rendered_html > pre{padding:6px 10px;margin:0.6em 0}
.rendered_html td, .rendered_html th{white-space:normal;text-align:left!important;vertical-align:top}
.rendered_html table{display:block;overflow-x:auto;max-width:100%}
.rendered_html img, div.output_png img{max-width:100%;height:auto}
a.source-link{float:right;font-size:smaller}
math[display="block"]{margin:0.8em 0;font-size:1.1em}
</style>"""


def build_page(path: Path, prefix: str) -> tuple[str, str | None, str | None, str | None, float]:
    "(page name, title, body, failure, seconds) of one notebook: executed, processed and converted."
    from fastcore.xtras import working_directory
    start = time.time()
    os.environ["IN_TEST"] = "1"
    try:
        with working_directory(ROOT), own_temp_folder(path.stem):
            nb = process(execute(path))
        body, title = to_html(nb, prefix)
        return page_name(path), title, body, None, time.time() - start
    except (NotebookError, ValueError) as e:
        return page_name(path), None, None, str(e) if isinstance(e, NotebookError) else f"{path.name}: {e}", time.time() - start


@contextlib.contextmanager
def own_temp_folder(name: str):
    "Everything the notebook puts in temporary folders (`tempfile.mkdtemp()` in its examples, a model's copy of weights) goes into one that is removed afterwards: repeated test runs do not fill the disk."
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    with tempfile.TemporaryDirectory(prefix=f"semcomp-{name}-") as folder:
        os.environ["TMPDIR"], tempfile.tempdir = folder, None      # tempfile reads TMPDIR again
        try: yield Path(folder)
        finally:
            if saved[0] is None: os.environ.pop("TMPDIR", None)
            else: os.environ["TMPDIR"] = saved[0]
            tempfile.tempdir = saved[1]


def _worker(threads: int):
    "Each worker process: its share of the cores (several torch processes at their default threads oversubscribe them)."
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import torch
    torch.set_num_threads(threads)


def default_jobs() -> int:
    "Notebooks run at once: one per core, at most 4 (small networks use one thread well, several badly)."
    return max(1, min(os.cpu_count() or 1, 4))


def build(out: Path, only: list[str] | None = None, log=print, jobs: int = 1) -> tuple[list[Path], list[str]]:
    "Build the site into `out` (`jobs` notebooks at once); returns (the pages written, the failures). Every notebook that runs gets its page, whatever the others do."
    from fastcore.xtras import working_directory
    from nbdev.config import get_config
    with working_directory(ROOT):
        cfg = get_config()
        prefix = f"{cfg.doc_host}{cfg.doc_baseurl}/".replace("//", "/").replace(":/", "://")
    out.mkdir(parents=True, exist_ok=True)
    todo = [p for p in notebooks() if not only or page_name(p) in only or p.stem in only]
    results = {}
    def report(r):
        name, _, _, failure, seconds = r
        results[name] = r
        log(f"{name}: FAILED ({seconds:.0f} s)" if failure else f"{name}.html ({seconds:.0f} s)")
    if jobs > 1 and len(todo) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        threads = max(1, (os.cpu_count() or 1) // jobs)
        # by module name, not __main__: the notebooks' IPython shell replaces __main__ in the workers
        here = importlib.import_module("build_docs") if __name__ == "__main__" else sys.modules[__name__]
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"), initializer=here._worker, initargs=(threads,)) as pool:
            for done in as_completed([pool.submit(here.build_page, path, prefix) for path in sorted(todo, key=lambda p: -p.stat().st_size)]):
                report(done.result())                          # biggest notebooks first: the pool ends sooner
    else:
        for path in todo: report(build_page(path, prefix))
    rendered = [(name, title, body) for name, title, body, failure, _ in (results[page_name(p)] for p in todo) if not failure]
    failures = [failure for *_, failure, _ in (results[page_name(p)] for p in todo) if failure]
    import nbformat
    pages = [(page_name(p), title_of(nbformat.read(p, as_version=4))) for p in notebooks()]   # every page, built now or not
    written = []
    for name, title, body in rendered:
        body = body.replace("<title>Notebook</title>", f"<title>semcomp — {html.escape(title)}</title>")
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + navigation(pages, name), body, count=1)
        body = add_anchors(ship_images(link_sources(body), out).replace("</head>", STYLE + "</head>", 1), name)
        target = out / f"{name}.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    for module in sorted((ROOT / "semcomp").glob("*.py")):       # what the `source` links open
        if module.name.startswith("_"): continue
        (out / f"{module.name}.html").write_text(source_page(module), encoding="utf-8")
    return written, failures


def broken_links(folder: Path) -> list[str]:
    "Local links (page and #anchor) in the site's pages that point nowhere."
    ids = {}
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        ids[page.name] = set(re.findall(r'\sid="([^"]+)"', text))
    bad = []
    for page in folder.glob("*.html"):
        for href in re.findall(r'<a\s[^>]*?href="([^"]+)"', page.read_text(encoding="utf-8")):   # links, not code that mentions one
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
    p.add_argument("--jobs", type=int, default=default_jobs(), help="notebooks run at once, each in its own process (default: one per core, at most 4)")
    args = p.parse_args(argv)
    written, failures = build(args.out, args.only, jobs=args.jobs)
    print(f"wrote {len(written)} pages to {args.out}; open {args.out / 'index.html'}")
    for failure in failures: print(failure, file=sys.stderr)
    if failures:
        print(f"{len(failures)} notebook(s) failed (above): their pages were not written", file=sys.stderr); return 1
    if args.check:
        bad = broken_links(args.out)
        for b in bad: print("broken link:", b, file=sys.stderr)
        if bad: return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
