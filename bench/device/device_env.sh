# Sourced (not run) by the device-side scripts, from the repository root: installs the carried
# wheels (.whl/, from bench/device/build_gpu_wheel.sh) into /tmp/site, replacing any earlier install on
# a warm machine; imports dlcore from there, not from the source tree ($repo); cd /tmp.
# With no carried dlcore wheel, builds the CUDA extension from the tree instead (tools/dev_build.sh,
# CUDA for the device's compute capability; CMake, ninja, nvcc and pybind11 are there) and imports
# dlcore from $repo. Defines $out (logs, JSON: $OUT) and step NAME (a heading with the seconds
# since sourcing).
out=${OUT:-/tmp/device_out}; mkdir -p "$out"
repo=$(pwd)
t0=$SECONDS
step() { echo; echo "== [$((SECONDS - t0))s] $*"; }
if compgen -G ".whl/dlcore-*.whl" > /dev/null; then
  python3 -m pip install -q --upgrade --no-index --no-deps --no-compile --target /tmp/site \
    .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site
else
  arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2> /dev/null | head -1 | tr -d .)
  step "no carried wheel: building the CUDA extension (sm_${arch:-80,90}) from the tree (build.log)"
  if ! DLCORE_CUDA=ON PYTHON=python3 timeout 420 tools/dev_build.sh \
      "-DCMAKE_CUDA_ARCHITECTURES=${arch:-80;90}" > "$out/build.log" 2>&1; then
    tail -40 "$out/build.log"; exit 1
  fi
  export PYTHONPATH=$repo
  if compgen -G ".whl/*.whl" > /dev/null; then  # the pure-Python dependencies carried beside it
    python3 -m pip install -q --upgrade --no-index --no-deps --no-compile --target /tmp/site \
      $(ls .whl/*.whl | grep -v -e "/mpi4py-" -e "/mpich-") && export PYTHONPATH=$repo:/tmp/site
  fi
fi
export PYTHONUNBUFFERED=1
cd /tmp
