"The documentation site: one page per notebook, pipeline order, plots as images, hidden cells hidden, every local link resolves."
import re, subprocess, sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import build_docs  # noqa: E402

SITE = ROOT / "_docs"


def site():
    "The site `make test` built just before (if it is newer than every notebook and the builder), else a fresh build."
    sources = list((ROOT / "nbs").glob("*.ipynb")) + [ROOT / "tools" / "build_docs.py"] + list((ROOT / "semcomp").glob("*.py"))
    pages = list(SITE.glob("*.html"))
    if not pages or min(p.stat().st_mtime for p in pages) < max(p.stat().st_mtime for p in sources):
        done = subprocess.run([sys.executable, str(ROOT / "tools" / "build_docs.py"), "--out", str(SITE)], capture_output=True, text=True, timeout=1800)
        assert done.returncode == 0, done.stderr[-3000:]
    return SITE


def test_every_notebook_has_a_page_in_pipeline_order():
    folder = site()
    names = [build_docs.page_name(p) for p in build_docs.notebooks()]
    assert names[0] == "index" and {"core", "latent", "bitstream", "codec", "evaluation", "explorer", "cli"} <= set(names)
    for name in names: assert (folder / f"{name}.html").stat().st_size > 0, name
    nav = re.findall(r'<li[^>]*><a href="([^"]+)\.html"', (folder / "index.html").read_text())
    assert nav == names                                                   # every page, in order, in the navigation


def test_pages_show_plots_and_hide_hidden_cells():
    folder = site()
    for name in ("latent", "explorer", "evaluation", "pipeline"):
        assert "<img" in (folder / f"{name}.html").read_text(), name      # matplotlib figures are embedded images
    for page in folder.glob("*.html"):
        text = page.read_text()
        assert "from nbdev.showdoc import show_doc" not in text, page.name  # `#| hide` cells are not shown
        assert "#| export" not in text and "#| default_exp" not in text, page.name


def test_every_local_link_and_anchor_resolves():
    assert build_docs.broken_links(site()) == []
