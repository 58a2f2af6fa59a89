#!/usr/bin/env bash
# Developer loop: configure + build the extension with CMake into build/dev and copy _C into
# dlcore/ so that `python -m pytest` from the repository root imports the in-tree package.
# Usage: tools/dev_build.sh [extra cmake -D options]   (DLCORE_CUDA=OFF by default, for speed)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bdir="$root/build/dev"
py=${PYTHON:-python3}
cmake -S "$root" -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSKBUILD_PROJECT_NAME=dlcore -DSKBUILD_PROJECT_VERSION=0.1.0 \
  -DPython_EXECUTABLE="$(command -v "$py")" \
  -Dpybind11_DIR="$("$py" -m pybind11 --cmakedir)" \
  -DDLCORE_CUDA="${DLCORE_CUDA:-OFF}" "$@" >/dev/null
cmake --build "$bdir" -j"$(nproc)"
cp "$bdir"/_C*.so "$root/dlcore/"
