#!/usr/bin/env bash
# Device-side check (run through the device tool with carry [".whl"] after tools/build_gpu_wheel.sh):
# installs the carried CUDA wheel, prints the build info, runs the CUDA tests. Prints a short table.
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1
repo=$(pwd); cd /tmp   # import the installed wheel, not the source tree
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import dlcore; print(dlcore.info()); print('cuda available:', dlcore.cuda.is_available())"
python3 -m pytest -q -p no:cacheprovider "$repo/tests/test_cuda.py" 2>&1 | tee "${OUT:-/tmp}/cuda_tests.log" | tail -15
