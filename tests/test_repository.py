"The committed library is what the committed notebooks export, the notebooks are clean, and README.md is current."
import shutil, subprocess, sys
from pathlib import Path

from conftest import ROOT

BIN = Path(sys.executable).parent


def test_notebooks_are_clean_and_the_library_is_in_sync(tmp_path):
    for name in ("nbs", "semcomp"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    for name in ("settings.ini", "setup.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    for tool in ("nbdev_clean", "nbdev_export"):
        done = subprocess.run([str(BIN / tool)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    changed = [str(p.relative_to(tmp_path)) for folder in ("nbs", "semcomp") for p in sorted((tmp_path / folder).rglob("*"))
               if p.is_file() and "__pycache__" not in p.parts
               and (not (ROOT / p.relative_to(tmp_path)).exists() or p.read_bytes() != (ROOT / p.relative_to(tmp_path)).read_bytes())]
    assert not changed, f"run nbdev_clean and nbdev_export, then commit: {changed}"


def test_readme_is_rendered_from_index_notebook():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "render_readme.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
