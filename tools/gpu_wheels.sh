#!/usr/bin/env bash
# Download, on this machine, the wheels the lent GPU machine lacks, into bench/wheels/ (git-ignored), to carry with the
# device tool's `run` (carry: ["bench/wheels"]); bench/gpu.sh installs them there. That machine has Python 3.12 with
# torch 2.11, accelerate, einops and numpy, and reaches no registry. Versions: the pins in constraints.txt; torchvision
# is the one built for torch 2.11. Prints the folder's size (the tree and the wheels must stay under 64 MB together).
#
# Usage: tools/gpu_wheels.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/wheels}
PY=${PY:-3.12}
TORCHVISION=${TORCHVISION:-0.26.0}
PIP=${PIP:-.venv/bin/python -m pip}
# what bench/gpu.py imports through semcomp (python -X importtime), less what the machine has (torch and its dependencies,
# accelerate and its, einops, numpy); not scipy, bjontegaard or fonttools, which this path never imports (35 + 5 MB)
PACKAGES="dalle2-pytorch einops-exts open-clip-torch constriction brotli filelock tqdm packaging pillow matplotlib contourpy cycler
  kiwisolver pyparsing python-dateutil six torchmetrics lightning-utilities kornia kornia_rs resize-right
  rotary-embedding-torch x-clip CoCa-pytorch ema-pytorch vector-quantize-pytorch einx frozendict torch-einops-utils loguru
  pytorch-warmup ftfy wcwidth regex timm huggingface-hub safetensors
  pyyaml httpx2 httpcore2 h11 anyio idna sniffio certifi truststore"
rm -rf "$OUT"; mkdir -p "$OUT"
pin() { grep -i -m1 "^$(echo "$1" | sed 's/[-_]/[-_]/g')==" constraints.txt || echo "$1"; }
fetch() {   # a binary wheel for the machine's Python and platform; else a pure-Python wheel built here
  $PIP download -q --no-deps --python-version "$PY" --implementation cp --abi "cp${PY/./}" --abi abi3 --abi none \
       --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform any \
       --only-binary=:all: -d "$OUT" "$1" 2>/dev/null || $PIP wheel -q --no-deps -w "$OUT" "$1"
}
for p in $PACKAGES; do fetch "$(pin "$p")" || { echo "gpu_wheels: could not get $p" >&2; exit 1; }; done
fetch "torchvision==$TORCHVISION"
ls "$OUT" | wc -l | xargs echo "wheels:"
du -sh "$OUT"
