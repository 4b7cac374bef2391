#!/usr/bin/env bash
# On the lent GPU machine (Python 3.12 with torch 2.11, torchvision, matplotlib, numpy and more; no registry): install the wheels that
# tools/gpu_wheels.sh downloaded (carried as bench/wheels) into a virtual environment that sees the system packages, then
# run bench/gpu.py on the GPU, then bench/decode_anywhere.py (the committed CPU-made files decoded on CUDA, and a set
# of files made on CUDA, to decode on a CPU afterwards with `bench/decode_anywhere.py --sets <that folder>`), all within
# 8 minutes. The JSON goes to $OUT (the device tool brings that folder back), else to result/.
#
# Here:   tools/gpu_wheels.sh            then, with the device tool: run  command="bash bench/gpu.sh"  carry=["bench/wheels"]
set -euo pipefail
cd "$(dirname "$0")/.."
WHEELS=${WHEELS:-bench/wheels}
ENV=${ENV:-/tmp/semcomp-gpu}
DEST=${OUT:-result}
[ -d "$WHEELS" ] || { echo "bench/gpu.sh: no $WHEELS (run tools/gpu_wheels.sh here first and carry it)" >&2; exit 2; }
start=$(date +%s)
python3 -m venv --system-site-packages "$ENV"
"$ENV/bin/python" -m pip install --quiet --no-index --no-deps "$WHEELS"/*.whl
"$ENV/bin/python" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"
mkdir -p "$DEST"
left=$(( 480 - ($(date +%s) - start) ))
timeout "$left" "$ENV/bin/python" bench/gpu.py --device cuda --out "$DEST/bench_gpu.json" "$@" | tee "$DEST/bench_gpu.txt"
left=$(( 480 - ($(date +%s) - start) ))
timeout "$left" "$ENV/bin/python" bench/decode_anywhere.py --device cuda --make "$DEST/cuda_files" --out "$DEST/decode_anywhere_gpu.json" | tee "$DEST/decode_anywhere_gpu.txt"
