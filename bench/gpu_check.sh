#!/usr/bin/env bash
# Device-side check (run through the device tool with carry [".whl"] after tools/build_gpu_wheel.sh):
# installs the carried CUDA wheel, prints the build info, runs the CUDA tests and the CPU gemm
# tests (AVX-512 where the host has it). Prints a short table.
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1
repo=$(pwd); cd /tmp   # import the installed wheel, not the source tree
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import dlcore; print(dlcore.info()); print('cuda available:', dlcore.cuda.is_available())"
python3 -m pytest -q -p no:cacheprovider "$repo/tests/test_cuda.py" 2>&1 | tee "${OUT:-/tmp}/cuda_tests.log" | tail -15
# The host CPU of a device machine may have AVX-512, which the development machine lacks: the
# gemm kernel tests cover every ISA the CPU reports, so they run the 14x32 / 14x16 kernels there.
python3 -c "from dlcore import _C; print('cpu isa detected:', _C.cpu.detected_isa())"
python3 -m pytest -q -p no:cacheprovider "$repo/tests/test_kernels_gemm.py" 2>&1 | tee "${OUT:-/tmp}/cpu_gemm_tests.log" | tail -5
