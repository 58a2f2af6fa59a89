# Sourced (not run) by the device-side scripts, from the repository root: installs the carried
# wheels (.whl/, from bench/device/build_gpu_wheel.sh) into /tmp/site, replacing any earlier install on
# a warm machine; imports dlcore from there, not from the source tree ($repo); cd /tmp.
# Defines $out (logs, JSON: $OUT) and step NAME (a heading with the seconds since sourcing).
out=${OUT:-/tmp/device_out}; mkdir -p "$out"
repo=$(pwd)
python3 -m pip install -q --upgrade --no-index --no-deps --no-compile --target /tmp/site \
  .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1
cd /tmp
t0=$SECONDS
step() { echo; echo "== [$((SECONDS - t0))s] $*"; }
