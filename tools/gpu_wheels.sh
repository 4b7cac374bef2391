#!/usr/bin/env bash
# Download, on this machine, the wheels the lent GPU machine lacks, into bench/wheels/ (git-ignored), to carry with the
# device tool's `run` (carry: ["bench/wheels"]); bench/gpu.sh installs them there. That machine has Python 3.12 with
# torch 2.11 and, among others, torchvision (built for its torch), matplotlib and its dependencies, timm and numpy
# (/work/.library/device/KINDS.md lists them), and reaches no registry. Versions: the pins in constraints.txt; Pillow
# travels although the machine has one, since AVIF needs Pillow 13's. Prints the wheels' size and the tree's: what
# travels must stay under 64 MiB together (the script fails above it).
#
# Usage: tools/gpu_wheels.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/wheels}
PY=${PY:-3.12}
PIP=${PIP:-.venv/bin/python -m pip}
# what bench/gpu.py imports through semcomp (python -X importtime), less what the machine has in a version that serves
# (torch, torchvision, accelerate, einops, numpy, matplotlib and its dependencies, timm: 22 MB); not scipy, bjontegaard or
# fonttools, which this path never imports (35 + 5 MB)
PACKAGES="dalle2-pytorch einops-exts open-clip-torch constriction brotli filelock tqdm packaging pillow torchmetrics
  lightning-utilities kornia kornia_rs resize-right
  rotary-embedding-torch x-clip CoCa-pytorch ema-pytorch vector-quantize-pytorch einx frozendict torch-einops-utils loguru
  pytorch-warmup ftfy wcwidth regex huggingface-hub safetensors
  pyyaml httpx2 httpcore2 h11 anyio idna sniffio certifi truststore"
rm -rf "$OUT"; mkdir -p "$OUT"
pin() { grep -i -m1 "^$(echo "$1" | sed 's/[-_]/[-_]/g')==" constraints.txt || echo "$1"; }
fetch() {   # a binary wheel for the machine's Python and platform; else a pure-Python wheel built here
  $PIP download -q --no-deps --python-version "$PY" --implementation cp --abi "cp${PY/./}" --abi abi3 --abi none \
       --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform any \
       --only-binary=:all: -d "$OUT" "$1" 2>/dev/null || $PIP wheel -q --no-deps -w "$OUT" "$1"
}
for p in $PACKAGES; do fetch "$(pin "$p")" || { echo "gpu_wheels: could not get $p" >&2; exit 1; }; done
ls "$OUT" | wc -l | xargs echo "wheels:"
wheels=$(du -sb "$OUT" | cut -f1)
tree=$(git ls-files -z | du -cb --files0-from=- | tail -1 | cut -f1)
echo "wheels $((wheels / 1048576)) MiB + tree $((tree / 1048576)) MiB = $(((wheels + tree) / 1048576)) MiB of the 64 MiB that travel"
[ $((wheels + tree)) -le $((64 * 1048576)) ] || { echo "gpu_wheels: over the device tool's 64 MiB" >&2; exit 1; }
