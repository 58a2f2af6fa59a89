#!/usr/bin/env bash
# Runs the device tests of tests/test_cuda_{conv,rnn,ctc}.py on the CPU against the CUDA kernels
# compiled with the CUDA stand-in (include/cuda_runtime.h): a check of the kernels' index logic,
# tile edges and formulas where no GPU is lent; not of their speed or of real device behaviour.
# Usage: tools/cuda_emu/run_tests.sh [pytest args]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
python tools/cuda_emu/build.py build/cuda_emu >/dev/null
PYTHONPATH="$root/build/cuda_emu:$root/tools/cuda_emu${PYTHONPATH:+:$PYTHONPATH}" \
  python -m pytest -q -p no:cacheprovider -p emu_plugin tests/test_cuda_conv.py \
  tests/test_cuda_rnn.py tests/test_cuda_ctc.py \
  -m cuda "$@"
