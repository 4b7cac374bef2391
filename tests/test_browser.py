"The docs site and the explorer as a person sees them: headless Chromium through selenium (tools/browser_check.py)."
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import browser_check  # noqa: E402
from test_docs import site  # noqa: E402   the site `make test` just built (or a fresh build)

SHOTS = ROOT / "_screenshots"
needs_browser = pytest.mark.skipif(bool(browser_check.missing()), reason=f"browser check: {browser_check.missing()}")


@needs_browser
def test_every_page_reads_right_in_a_browser():
    problems, measured = browser_check.check_site(site(), SHOTS)
    assert problems == [], "\n".join(problems)
    assert measured["sampler"]["formulas"] > 10                       # the sampler's maths is rendered (MathML), not raw TeX
    assert measured["evaluation"]["images"] >= 1 and measured["evaluation"]["smallest_image_scale"] > 0.9   # the RD figure at its own size
    small = {name: m["smallest_image_scale"] for name, m in measured.items() if m["smallest_image_scale"] < 0.75}
    assert small == {}, f"figures shown at under 3/4 of their size (text too small to read): {small}"
    assert all((SHOTS / f"{name}.png").stat().st_size > 10_000 for name in measured)


@needs_browser
def test_explorer_in_jupyterlab_replaces_its_pictures():
    problems, measured = browser_check.check_explorer(ROOT, SHOTS)
    assert problems == [], "\n".join(problems) + f"\n{measured}"
    assert measured["pictures"] == 2 and (SHOTS / "explorer_after_two_runs.png").exists()


def test_a_missing_browser_is_a_reason_not_a_pass(monkeypatch):
    monkeypatch.setattr(browser_check.shutil, "which", lambda name: None)
    assert "chromium" in browser_check.missing()
