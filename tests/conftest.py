import os, shutil, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Under pytest-xdist (`make test` runs one worker per core), each worker and the processes it starts get their share
# of the cores, unless OMP_NUM_THREADS is set: several torch processes at their default threads oversubscribe them.
if os.environ.get("PYTEST_XDIST_WORKER") and "OMP_NUM_THREADS" not in os.environ:
    os.environ["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))))
    import torch
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
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
