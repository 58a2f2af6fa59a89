#!/usr/bin/env bash
# Device-side check, sent through the device tool with carry [".whl"] after
# bench/device/build_gpu_wheel.sh (or without a wheel: device_env.sh then builds the extension
# on the device, ~2-4 minutes more):
# installs the carried CUDA wheel; runs the CUDA tests (tests/test_cuda.py, test_cuda_conv.py,
# test_cuda_rnn.py, test_cuda_ctc.py), the conv and LSTM/GRU timings against cuDNN and the GPU
# optimizer bench; with "all", also the CPU kernel tests
# (AVX-512 where the host has it) and the 1-thread gemm bench on the host CPU; with "verify",
# only the CUDA tests, the op table's CUDA cases and, when the MPI wheels are carried in .whl/
# (mpi4py, mpich for cp312), dlcore.distributed and DDP on CUDA tensors at 2 ranks
# (bench/device/gpu_ddp.py). Each step has its own time limit; logs and the gemm JSON go to $OUT.
# Usage: bench/device/gpu_check.sh [all|verify]     (default: the GPU steps, a few minutes)
set -uo pipefail
source "$(dirname "$0")/device_env.sh"
mode=${1:-gpu}

step "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
grep -m1 "model name" /proc/cpuinfo; nproc
grep -m1 -o -w "avx512f\|avx512bw\|avx512vl" /proc/cpuinfo | sort -u | tr '\n' ' '; echo
python3 -c "import dlcore; print(dlcore.info()); print('cuda available:', dlcore.cuda.is_available())"

step "CUDA tests"
timeout 300 python3 -m pytest -q -p no:cacheprovider -rfE "$repo/tests/test_cuda.py" \
  "$repo/tests/test_cuda_conv.py" "$repo/tests/test_cuda_rnn.py" "$repo/tests/test_cuda_ctc.py" \
  > "$out/cuda_tests.log" 2>&1
echo "rc=$?"; grep -E "passed|failed|error" "$out/cuda_tests.log" | tail -3
grep -E "^(FAILED|ERROR)" "$out/cuda_tests.log" | head -20

step "op table: every op's CUDA cases (parity with the CPU path, float64 references)"
timeout 300 python3 -m pytest -q -p no:cacheprovider -rfE -k cuda "$repo/tests/test_op_table.py" \
  > "$out/optable_cuda.log" 2>&1
echo "rc=$?"; grep -E "passed|failed|error" "$out/optable_cuda.log" | tail -3
grep -E "^(FAILED|ERROR)" "$out/optable_cuda.log" | head -20

step "MPI: dlcore.distributed and DistributedDataParallel on CUDA tensors, 2 ranks on one GPU"
if compgen -G "$repo/.whl/mpi4py-*.whl" > /dev/null && compgen -G "$repo/.whl/mpich-*.whl" > /dev/null; then
  python3 -m pip install -q --no-index --no-deps --prefix /tmp/mpi "$repo"/.whl/mpi4py-*.whl "$repo"/.whl/mpich-*.whl
  mpi_site=$(ls -d /tmp/mpi/lib/python3*/site-packages)
  PYTHONPATH="${PYTHONPATH:-}:$mpi_site" LD_LIBRARY_PATH="/tmp/mpi/lib:${LD_LIBRARY_PATH:-}" \
    OMP_NUM_THREADS=1 timeout 180 /tmp/mpi/bin/mpiexec -n 2 python3 "$repo/bench/device/gpu_ddp.py" cuda \
    2>&1 | tee "$out/gpu_ddp.log"
  echo "rc=${PIPESTATUS[0]}"
else
  echo "no mpi4py/mpich wheels in .whl/: skipped"
fi
[ "$mode" = verify ] && { step "done"; exit 0; }

step "conv2d N64 C64 56x56 K64 3x3: dlcore CUDA against cuDNN"
if python3 -c "import torch, sys; sys.exit(not torch.cuda.is_available())" 2> /dev/null; then
  timeout 120 python3 "$repo/bench/device/gpu_conv.py" 2>&1 | tee "$out/gpu_conv.md"
else
  echo "no torch with CUDA here: skipped"
fi

step "LSTM and GRU layer T50 B64 I256 H512: dlcore CUDA against cuDNN (correctness, then timing)"
if python3 -c "import torch, sys; sys.exit(not torch.cuda.is_available())" 2> /dev/null; then
  timeout 120 python3 "$repo/bench/device/gpu_rnn.py" 2>&1 | tee "$out/gpu_rnn_lstm.md"
  timeout 90 python3 "$repo/bench/device/gpu_rnn.py" --mode gru 2>&1 | tee "$out/gpu_rnn_gru.md"
else
  echo "no torch with CUDA here: skipped"
fi

step "GPU optimizer step against torch.optim"
timeout 90 python3 "$repo/bench/device/gpu_optim.py" 2>&1 | tee "$out/gpu_optim.md"

if [ "$mode" = all ]; then
  step "CPU kernel tests on every ISA of this host (gemm, optimizers)"
  timeout 120 python3 -m pytest -q -p no:cacheprovider -rfE -x "$repo/tests/test_kernels_gemm.py" \
    "$repo/tests/test_kernels_optim.py" > "$out/cpu_kernel_tests.log" 2>&1
  echo "rc=$?"; tail -3 "$out/cpu_kernel_tests.log"
  grep -E "^(FAILED|ERROR)" "$out/cpu_kernel_tests.log" | head -10

  step "gemm, 1 thread, host CPU"
  timeout 240 python3 -m dlcore.bench gemm --threads 1 --repeats 5 \
    --json "$out/gemm_device.json" > "$out/gemm_device.md" 2> "$out/gemm_device.err"
  echo "rc=$?"; cat "$out/gemm_device.md"; tail -3 "$out/gemm_device.err"
fi
step "done"
