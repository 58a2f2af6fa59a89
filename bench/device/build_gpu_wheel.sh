#!/usr/bin/env bash
# Builds the CUDA wheel for the lent GPU machine (Python 3.12 there) into .whl/ (git-ignored),
# plus the pure-Python wheels it lacks. Run here (any directory), then send
# bench/device/gpu_check.sh with carry [".whl"].
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .whl
PYENV_VERSION=3.12.1 python -m pip wheel . -w .whl --no-deps -Ccmake.define.DLCORE_CUDA=ON
python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 -d .whl tqdm safetensors \
  --platform manylinux_2_17_x86_64 --platform any
