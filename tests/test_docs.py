"The documentation site: one page per notebook, pipeline order, plots as images, hidden cells hidden, every local link resolves."
import html, re, subprocess, sys
from pathlib import Path

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import build_docs  # noqa: E402

SITE = ROOT / "_docs"


def site():
    "The site `make test` built just before (if it is newer than every notebook and the builder), else a fresh build."
    from filelock import FileLock
    sources = list((ROOT / "nbs").glob("*.ipynb")) + [ROOT / "tools" / "build_docs.py"] + list((ROOT / "semcomp").glob("*.py"))
    with FileLock(str(ROOT / ".docs-build.lock")):               # tests in several workers: one build
        pages = list(SITE.glob("*.html"))
        if not pages or min(p.stat().st_mtime for p in pages) < max(p.stat().st_mtime for p in sources):
            done = subprocess.run([sys.executable, str(ROOT / "tools" / "build_docs.py"), "--out", str(SITE)], capture_output=True, text=True, timeout=1800)
            assert done.returncode == 0, done.stderr[-3000:]
    return SITE


def test_every_notebook_has_a_page_in_pipeline_order():
    folder = site()
    names = [build_docs.page_name(p) for p in build_docs.notebooks()]
    assert names[0] == "index" and {"core", "latent", "diffc", "bitstream", "codec", "evaluation", "explorer", "cli"} <= set(names)
    for name in names: assert (folder / f"{name}.html").stat().st_size > 0, name
    nav = re.findall(r'<li[^>]*><a href="([^"]+)\.html"', (folder / "index.html").read_text())
    assert nav == names                                                   # every page, in order, in the navigation


def text_of(page, code: bool = True) -> str:
    "What a reader sees of a page, roughly: its HTML without tags (syntax highlighting splits code into spans); without code blocks if not `code`."
    text = page.read_text(encoding="utf-8")
    if not code: text = re.sub(r"<pre\b.*?</pre>", "", text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def test_pages_show_plots_and_hide_hidden_cells():
    folder = site()
    for name in ("latent", "explorer", "evaluation", "pipeline"):
        assert "<img" in (folder / f"{name}.html").read_text(), name      # matplotlib figures are embedded images
    for name in [build_docs.page_name(p) for p in build_docs.notebooks()]:
        page = folder / f"{name}.html"
        text = text_of(page)
        assert "from nbdev.showdoc import show_doc" not in text, page.name  # `#| hide` cells are not shown
        assert not re.search(r"^\s*#\|", text, re.M), page.name                 # no directive line in any code shown
        prose = text_of(page, code=False)
        assert "output-file:" not in prose and "{target=" not in prose, page.name   # no front matter, no Quarto attributes
        assert not re.search(r"<script|<link[^>]+href=\"https?:", page.read_text()), page.name   # nothing loaded from outside
    assert "<math" in (folder / "sampler.html").read_text() and "$$" not in text_of(folder / "sampler.html", code=False)
    core = (folder / "core.html").read_text()
    assert re.search(r'<h1 id="core">core', core) and "<title>semcomp — core</title>" in core     # title from the front matter
    link = re.search(r'class="source-link" href="(core\.py\.html)#(L-\d+)"', core)
    assert link and f'id="{link.group(2)}"' in (folder / link.group(1)).read_text()            # the source link opens the shipped source


def test_a_failing_notebook_still_gets_the_other_pages_written(tmp_path, monkeypatch):
    import nbformat
    nbs = tmp_path / "nbs"; nbs.mkdir()
    def notebook(name, *cells):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {name}\n\n> a summary")] + [nbformat.v4.new_code_cell(c) for c in cells])
        nbformat.write(nb, nbs / f"{name}.ipynb")
    notebook("index", "x = 1")
    notebook("01_good", "print(1 + 1)")
    notebook("02_bad", "y = 2", "raise ValueError('broken on purpose')")
    monkeypatch.setattr(build_docs, "NBS", nbs)
    written, failures = build_docs.build(tmp_path / "site", log=lambda *a: None)
    assert sorted(p.name for p in written) == ["good.html", "index.html"]
    assert len(failures) == 1 and "02_bad.ipynb" in failures[0] and "raise ValueError" in failures[0] and "#2" in failures[0]
    assert "<h1" in (tmp_path / "site" / "good.html").read_text()


def test_every_local_link_and_anchor_resolves():
    assert build_docs.broken_links(site()) == []


def test_notebooks_temporary_folders_are_removed(monkeypatch, tmp_path):
    "What a notebook leaves in temporary folders (its examples call `tempfile.mkdtemp()`) is gone after its run, and TMPDIR is as it was."
    import os, tempfile
    monkeypatch.setenv("TMPDIR", str(tmp_path)); monkeypatch.setattr(tempfile, "tempdir", None)
    with build_docs.own_temp_folder("x") as folder:
        left = Path(tempfile.mkdtemp()); (left / "weights.pth").write_bytes(b"0" * 1000)
        assert left.parent == folder and folder.parent == tmp_path
    assert not folder.exists() and os.environ["TMPDIR"] == str(tmp_path) and list(tmp_path.iterdir()) == []
