"Many processes: `accelerate launch` splits the images between processes, and every process's records end up in one results.json."
import json, os, socket, subprocess, sys
from pathlib import Path

from conftest import semcomp

FAST = ["--preset", "tiny", "--steps", "4", "--prior-steps", "3", "--upsampler-steps", "3", "--iterations", "2", "--quiet"]
SAMPLES = ["astronaut", "chelsea", "coffee", "rocket"]


def launch(*args, cwd, processes=2):
    "`accelerate launch` with `processes` processes (on a machine without GPUs `--multi_gpu` starts CPU processes; `--cpu` alone starts one)."
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("accelerate")
    cmd = [str(exe), "launch", "--multi_gpu", "--num_processes", str(processes), "--num_machines", "1", "--mixed_precision", "no",
           "--dynamo_backend", "no", "--main_process_port", str(port), "-m", "semcomp", *args]
    env = {**os.environ, "HF_HOME": str(cwd / "hf")}            # no user's accelerate config
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def test_two_processes_split_the_images_and_merge_their_records(samples):
    one = semcomp("run", "--out", "one", "--threads", "1", *FAST, cwd=samples)       # the launcher gives each process 1 thread too
    assert one.returncode == 0, one.stderr
    two = launch("run", "--out", "two", *FAST, cwd=samples)
    assert two.returncode == 0, two.stderr[-3000:]
    assert "(process 1/2)" in two.stdout and "(process 2/2)" in two.stdout
    single, merged = (json.loads((samples / out / "results.json").read_text()) for out in ("one", "two"))
    assert [r["name"] for r in merged["images"]] == SAMPLES and merged["failures"] == []
    assert [(r["name"], r["process"]) for r in merged["images"]] == [(name, {"index": i % 2, "count": 2}) for i, name in enumerate(SAMPLES)]
    for a, b in zip(single["images"], merged["images"]):   # same computation, same thread count: the same files
        assert (a["name"], a["bytes"], a["psnr"], a["ms_ssim"]) == (b["name"], b["bytes"], b["psnr"], b["ms_ssim"])
        assert (samples / "one" / f"{a['name']}.sc").read_bytes() == (samples / "two" / f"{a['name']}.sc").read_bytes()
    again = launch("run", "--out", "two", *FAST, cwd=samples)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("0 image(s) compressed, 2 already done") == 2            # each process skips its images
    assert json.loads((samples / "two" / "results.json").read_text())["images"] == merged["images"]
