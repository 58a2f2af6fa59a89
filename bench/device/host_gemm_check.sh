#!/usr/bin/env bash
# Device-side gemm bench on the GPU machine's host CPU (AVX-512), pinned like a 2-vCPU machine:
# 1 thread on one CPU, 2 threads on two CPUs of different physical cores (numpy and torch
# workers inherit the pin). Sent through the device tool with carry [".whl"] after
# bench/device/build_gpu_wheel.sh. Env: REPEATS (default 7). Logs and JSON go to $OUT.
set -uo pipefail
source "$(dirname "$0")/device_env.sh"
repeats=${REPEATS:-7}

step "machine"
grep -m1 "model name" /proc/cpuinfo; nproc; uptime
lscpu -p=CPU,CORE,SOCKET | grep -v '^#' > "$out/topology.csv"
# the first CPU of the second and third physical cores (not core 0, which takes interrupts):
# two cores, no shared FMA ports
firsts=$(awk -F, '!seen[$2]++ {print $1}' "$out/topology.csv")
cpu_a=$(echo "$firsts" | sed -n 2p); cpu_b=$(echo "$firsts" | sed -n 3p)
if [ -z "$cpu_b" ]; then echo "needs 3 physical cores (core 0 is left free), found fewer"; exit 2; fi
echo "pinned CPUs: $cpu_a (1 thread), $cpu_a,$cpu_b (2 threads); cores: $(cut -d, -f2 "$out/topology.csv" | sort -u | wc -l)"
python3 -c "import dlcore; print(dlcore.info())"

bench() {  # bench NAME CPUS THREADS SHAPES TIMEOUT
  step "gemm $4, $3 thread(s), CPUs $2"
  timeout "$5" taskset -c "$2" python3 -m dlcore.bench gemm --threads "$3" --shapes "$4" \
    --repeats "$repeats" --json "$out/$1.json" > "$out/$1.md" 2> "$out/$1.err"
  echo "rc=$?"; grep -E "^#|^\|" "$out/$1.md"; tail -2 "$out/$1.err"
}
bench gemm_1t_square "$cpu_a" 1 square 100
bench gemm_1t_model "$cpu_a" 1 model 50
bench gemm_2t_square "$cpu_a,$cpu_b" 2 square 140
step "done"
