"bench/gpu.py, the GPU benchmark of the LAION-size networks, on a CPU at reduced widths (the same code); its built-in config copy."
import json, subprocess, sys

import pytest

from conftest import ROOT, SHARED_CONFIGS

sys.path.insert(0, str(ROOT / "bench"))
import gpu  # noqa: E402


def test_small_benchmark_runs_on_the_cpu_and_writes_its_json(tmp_path):
    out = tmp_path / "bench_gpu.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu.py"), "--device", "cpu", "--small", "--dtype", "fp32", "--steps", "2",
                           "--iterations", "1", "--upsampler-steps", "2", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    doc = json.loads(out.read_text())
    assert doc["small"] and doc["device"] == "cpu" and doc["torch"] and "STAND-IN" in doc["models"]["upsampler"]
    rows = doc["results"]["fp32"]
    for name in ("clip text", "prior net", "decoder unet 64²", "upsampler unet 256² (stand-in)", "caption path, 2 steps",
                 "side-information encoder (optimized, checkpointing)", "decoder of the .sc file"):
        assert rows[name]["seconds"] > 0 and rows[name]["nfe"] >= 1, name
    assert rows["caption path, 2 steps"]["nfe_per_stage"] == {"prior": 2, "decoder 64²": 2, "upsampler 256²": 2}
    assert rows["decoder of the .sc file"]["bit_identical_to_encoder"]
    assert "upsampler is a STAND-IN" in done.stdout and "side-information encoder" in done.stdout


@pytest.mark.skipif(not SHARED_CONFIGS.exists(), reason=f"the published configs are not beside this checkout ({SHARED_CONFIGS})")
def test_built_in_config_copies_match_the_published_files():
    assert gpu.configs(None, small=False) == gpu.configs(SHARED_CONFIGS, small=False)
