#!/usr/bin/env bash
# Device-side re-check of the CUDA failures of the first full GPU run (the cudafix branch; logs of
# that run: op table 69 failed, test_cuda_conv.py segfaulted in test_cuda_binding_refuses). Run
# through the device tool from the repository root, with or without a carried wheel (see
# device_env.sh: without one it builds the extension from the tree, ~20 s on the H200):
#   bench/device/gpu_recheck.sh
# Runs, each file in its own pytest process (in parallel: one GPU, 16 cores), with -v so that a
# crash names its test (the last "::test..." line of its log) and its own time limit:
#   - the 69 op-table cases that failed (listed below), on cpu and cuda;
#   - the whole of tests/test_cuda.py, test_cuda_conv.py, test_cuda_rnn.py, test_cuda_ctc.py.
# Logs go to $out (optable_recheck.log, cuda.log, cuda_conv.log, cuda_rnn.log, cuda_ctc.log);
# the summary (rc, pytest's last line, FAILED/ERROR lines) to stdout. Budget: ~3.5 minutes.
set -uo pipefail
source "$(dirname "$0")/device_env.sh"
limit=${RECHECK_LIMIT:-170}  # seconds per pytest process (they run side by side)

step "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import dlcore; print(dlcore.info()); print('cuda available:', dlcore.cuda.is_available())"

# The op-table cases that failed on the device (test ids without the device suffix: each runs
# on cpu and cuda).
cases=(
  "test_backward[div-float32-sample3]"
  "test_backward[nn.BatchNorm1d-float32-sample0]"
  "test_backward[nn.BatchNorm1d-float32-sample2]"
  "test_backward[nn.BatchNorm1d-float32-sample4]"
  "test_backward[nn.BatchNorm1d-float64-sample0]"
  "test_backward[nn.BatchNorm1d-float64-sample2]"
  "test_backward[nn.BatchNorm1d-float64-sample4]"
  "test_backward[nn.BatchNorm2d-float32-sample0]"
  "test_backward[nn.BatchNorm2d-float32-sample2]"
  "test_backward[nn.BatchNorm2d-float32-sample4]"
  "test_backward[nn.BatchNorm2d-float64-sample0]"
  "test_backward[nn.BatchNorm2d-float64-sample2]"
  "test_backward[nn.BatchNorm2d-float64-sample4]"
  "test_backward[nn.functional.batch_norm-float32-sample4]"
  "test_backward[nn.functional.batch_norm-float64-sample4]"
  "test_bad_input[Tensor.copy_-bad1-number_outside_the_dtype]"
  "test_bad_input[getitem-bad1-array]"
  "test_bad_input[getitem-bad3-float_index]"
  "test_bad_input[nn.AdditiveAttention-bad6-mask]"
  "test_bad_input[nn.AdditiveAttention.weights-bad6-mask]"
  "test_bad_input[nn.Embedding-bad0-index]"
  "test_bad_input[nn.Embedding-bad1-negative]"
  "test_bad_input[nn.GRU-bad0-input_size]"
  "test_bad_input[nn.GRU-bad2-h_0_shape]"
  "test_bad_input[nn.GRU-bad3-unbatched_h_0]"
  "test_bad_input[nn.GRU-bad5-T_0]"
  "test_bad_input[nn.GRUCell-bad0-input_size]"
  "test_bad_input[nn.GRUCell-bad2-batch_of_hx]"
  "test_bad_input[nn.GRUCell-bad3-unbatched_hx]"
  "test_bad_input[nn.Highway-bad2-H_changes_the_shape]"
  "test_bad_input[nn.LSTM-bad0-input_size]"
  "test_bad_input[nn.LSTM-bad11-hx_not_a_tuple]"
  "test_bad_input[nn.LSTM-bad2-h_0_shape]"
  "test_bad_input[nn.LSTM-bad3-unbatched_h_0]"
  "test_bad_input[nn.LSTM-bad5-T_0]"
  "test_bad_input[nn.LSTMCell-bad0-input_size]"
  "test_bad_input[nn.LSTMCell-bad2-batch_of_hx]"
  "test_bad_input[nn.LSTMCell-bad3-unbatched_hx]"
  "test_bad_input[nn.RNN-bad0-input_size]"
  "test_bad_input[nn.RNN-bad2-h_0_shape]"
  "test_bad_input[nn.RNN-bad3-unbatched_h_0]"
  "test_bad_input[nn.RNN-bad5-T_0]"
  "test_bad_input[nn.RNNCell-bad0-input_size]"
  "test_bad_input[nn.RNNCell-bad2-batch_of_hx]"
  "test_bad_input[nn.RNNCell-bad3-unbatched_hx]"
  "test_bad_input[nn.Residual-bad0-block_changes_the_shape]"
  "test_bad_input[nn.Residual-bad1-broadcastable_output_is_still_an_error]"
  "test_forward[floor_divide-float32-sample6]"
  "test_forward[floor_divide-float64-sample6]"
  "test_forward[nn.BatchNorm1d-float32-sample0]"
  "test_forward[nn.BatchNorm1d-float32-sample2]"
  "test_forward[nn.BatchNorm1d-float32-sample4]"
  "test_forward[nn.BatchNorm1d-float64-sample0]"
  "test_forward[nn.BatchNorm1d-float64-sample2]"
  "test_forward[nn.BatchNorm1d-float64-sample4]"
  "test_forward[nn.BatchNorm2d-float32-sample0]"
  "test_forward[nn.BatchNorm2d-float32-sample2]"
  "test_forward[nn.BatchNorm2d-float32-sample4]"
  "test_forward[nn.BatchNorm2d-float64-sample0]"
  "test_forward[nn.BatchNorm2d-float64-sample2]"
  "test_forward[nn.BatchNorm2d-float64-sample4]"
  "test_forward[remainder-float32-sample6]"
  "test_forward[remainder-float64-sample6]"
  "test_gradcheck[nn.BatchNorm1d-float64-sample0]"
  "test_gradcheck[nn.BatchNorm1d-float64-sample2]"
  "test_gradcheck[nn.BatchNorm1d-float64-sample4]"
  "test_gradcheck[nn.BatchNorm2d-float64-sample0]"
  "test_gradcheck[nn.BatchNorm2d-float64-sample2]"
  "test_gradcheck[nn.BatchNorm2d-float64-sample4]"
)
ids=()
for c in "${cases[@]}"; do ids+=("$repo/tests/test_op_table.py::${c%]}-cuda]" "$repo/tests/test_op_table.py::${c%]}-cpu]"); done

run() {  # run NAME ARGS...: one pytest process, log in $out/NAME.log, rc in $out/NAME.rc
  local name=$1
  shift
  timeout -k 10 "$limit" python3 -m pytest -v -p no:cacheprovider -rfE "$@" > "$out/$name.log" 2>&1
  echo $? > "$out/$name.rc"
}

step "pytest: ${#cases[@]} op-table cases (x cpu, cuda) and test_cuda{,_conv,_rnn,_ctc}.py, side by side"
run optable_recheck "${ids[@]}" &
run cuda "$repo/tests/test_cuda.py" &
run cuda_conv "$repo/tests/test_cuda_conv.py" &
run cuda_rnn "$repo/tests/test_cuda_rnn.py" &
run cuda_ctc "$repo/tests/test_cuda_ctc.py" &
wait

for name in optable_recheck cuda cuda_conv cuda_rnn cuda_ctc; do
  step "$name: rc=$(cat "$out/$name.rc") (124/137: time limit; 139 or -11: a crash)"
  grep -E "^=+ .*(passed|failed|error|skipped).* =+$" "$out/$name.log" | tail -1
  grep -E "^(FAILED|ERROR)" "$out/$name.log" | head -40
  if ! grep -qE "^=+ .*(passed|failed|error).* =+$" "$out/$name.log"; then
    echo "no pytest summary: the last tests started were"
    grep -E "::test" "$out/$name.log" | tail -3
    grep -A3 "Fatal Python error" "$out/$name.log" | head -8
  fi
done
step "done"
