import shutil, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_CONFIGS = ROOT.parent / "shared" / "laion-configs"


@pytest.fixture
def samples(tmp_path):
    "A copy of the sample images and captions, and an empty models folder, in a temporary directory."
    for name in ("images", "texts"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("*.md"))
    (tmp_path / "models").mkdir()
    return tmp_path


def semcomp(*args, cwd):
    "Run the installed `semcomp` console script; return the CompletedProcess."
    exe = Path(sys.executable).with_name("semcomp")
    return subprocess.run([str(exe), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600)
