#!/usr/bin/env bash
# Sanitizer check (CI runs it): builds the CPU extension with AddressSanitizer and
# UndefinedBehaviorSanitizer into build/sanitize, proves the setup catches known-bad code
# (tools/sanitize_canary.cpp), then runs the kernel and op-table tests against the sanitized _C.
# The developer's dlcore/_C*.so is left alone: the tests import a copy of the package, with the
# sanitized _C, from a temp dir. Exit status 1 on any test failure or any sanitizer report.
# Usage: tools/sanitize.sh [extra pytest arguments]     (PYTHON picks the interpreter)
# What it covers and what it does not: docs/development.md, "Sanitizers".
set -euo pipefail
{
root=$(cd "$(dirname "$0")/.." && pwd)
bdir="$root/build/sanitize"
# The interpreter itself, not a wrapper script (a pyenv shim is bash, which would run under ASan).
py=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')
sanitizers=address,undefined,float-cast-overflow

# The test files run under the sanitizers; a file not (yet) in the tree is skipped with a note.
tests=(
  "tests/test_kernels_*.py"
  "tests/test_bindings*.py"
  tests/test_ops_kernels.py
  tests/test_op_table.py
  tests/test_op_fuzz.py
  tests/test_numerics.py
)

printf '== build: DLCORE_SANITIZE=%s into %s\n' "$sanitizers" "$bdir"
cmake -S "$root" -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSKBUILD_PROJECT_NAME=dlcore -DSKBUILD_PROJECT_VERSION=0.1.0 \
  -DPython_EXECUTABLE="$py" -Dpybind11_DIR="$("$py" -m pybind11 --cmakedir)" \
  -DDLCORE_CUDA=OFF -DDLCORE_SANITIZE="$sanitizers" >/dev/null
cmake --build "$bdir" -j2

# The sanitizer runtimes of the compiler that built _C. Python itself is not instrumented, so
# libasan must be loaded first (LD_PRELOAD); libubsan is a dependency of _C and loads with it.
# libstdc++ is preloaded too: ASan binds its C++ exception interceptor (__cxa_throw) at start-up,
# and with libstdc++ loaded only later (by dlopen of _C) the first C++ throw fails ASan's CHECK.
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$bdir/CMakeCache.txt")
libasan=$("$cxx" -print-file-name=libasan.so)
libstdcxx=$("$cxx" -print-file-name=libstdc++.so.6)
for lib in "$libasan" "$libstdcxx"; do
  [[ -f $lib ]] || { echo "sanitize: $lib not found for $cxx"; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/dlcore-sanitize.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/pkg"
# The package overlay: the tree's Python files with the sanitized _C. Run from $work/pkg, so it
# comes first on sys.path ('' = the working directory) and the tree's dlcore/ is not importable.
(cd "$root" && tar --exclude='_C*.so' --exclude=__pycache__ -cf - dlcore) | tar -xf - -C "$work/pkg"
cp "$bdir"/_C*.so "$work/pkg/dlcore/"

# Reports go to stderr, kept in a log: pytest runs with --capture=sys, so a report written at the
# C level just before an abort is not lost in pytest's fd capture; a report in the log fails the
# run. detect_leaks=0: CPython does not free its heap at exit, so LeakSanitizer would report
# interpreter allocations (docs/development.md). PYTHONMALLOC=malloc puts Python's own objects on
# ASan's heap, with redzones, instead of pymalloc's arenas.
sanitized() {  # sanitized CMD...: runs CMD with the sanitizer runtime and options
  env LD_PRELOAD="$libasan:$libstdcxx${LD_PRELOAD:+:$LD_PRELOAD}" PYTHONMALLOC=malloc \
    ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$@"
}
# A report's marks: ASan's "==PID==ERROR: ..." and SUMMARY lines, a sanitizer's internal CHECK
# failure, UBSan's "FILE:LINE:COL: runtime error: ..." (it aborts without a SUMMARY line).
# Unanchored: pytest's progress dots can precede a report on its line.
report='==[0-9]+==ERROR: |SUMMARY: [A-Za-z]+Sanitizer|Sanitizer: CHECK failed|:[0-9]+:[0-9]+: runtime error: '

printf '\n== self-check: known-bad code must be caught (tools/sanitize_canary.cpp)\n'
canary=$(ls "$bdir"/*dlcore_sanitize_canary*.so)
cat >"$work/canary.py" <<'EOF'
import ctypes, sys
import numpy as np
lib = ctypes.CDLL(sys.argv[1])
if sys.argv[2] == "signed_overflow":
    lib.canary_signed_overflow(ctypes.c_int32(2**31 - 1))
elif sys.argv[2] == "float_to_int":
    lib.canary_float_to_int(ctypes.c_double(1e20))
else:
    a = np.zeros(1000, np.float32)
    getattr(lib, "canary_" + sys.argv[2])(a.ctypes.data_as(ctypes.c_void_p), ctypes.c_int64(a.size))
EOF
# canary: the report it must produce
canaries=(
  "write_past_end:ERROR: AddressSanitizer: heap-buffer-overflow"
  "write_past_end_omp:ERROR: AddressSanitizer: heap-buffer-overflow"
  "signed_overflow:runtime error: signed integer overflow"
  "float_to_int:runtime error: .* is outside the range of representable values"
)
for entry in "${canaries[@]}"; do
  call=${entry%%:*}
  expected=${entry#*:}
  (cd "$work/pkg" && sanitized "$py" "$work/canary.py" "$canary" "$call" >"$work/canary.log" 2>&1) &&
    status=0 || status=$?
  caught=$(grep -E "$expected" "$work/canary.log" | head -1) || true
  if ((status == 0)) || [[ -z $caught ]]; then
    echo "sanitize: canary_$call was NOT caught as '$expected' (exit status $status):"
    cat "$work/canary.log"
    exit 1
  fi
  printf '  canary_%s: caught (exit status %d): %s\n' "$call" "$status" "$caught"
done

imported=$(cd "$work/pkg" && sanitized "$py" -c 'import dlcore._C as c; print(c.__file__)')
[[ $imported == "$work/pkg/dlcore/"* ]] || { echo "sanitize: imported $imported, not the overlay"; exit 1; }

files=()
for pattern in "${tests[@]}"; do
  matched=0
  for f in "$root"/$pattern; do
    if [[ -f $f ]]; then files+=("$f"); matched=1; fi
  done
  ((matched)) || printf 'sanitize: skipping %s (not in the tree)\n' "$pattern"
done

printf '\n== pytest under ASan+UBSan: %d files\n' "${#files[@]}"
(cd "$work/pkg" && sanitized "$py" -m pytest -q -p no:cacheprovider --capture=sys \
  --rootdir "$root" "${files[@]}" "$@") 2>&1 | tee "$bdir/pytest.log" && status=0 || status=$?
if grep -qE "$report" "$bdir/pytest.log"; then
  echo "sanitize: FAILED: sanitizer report(s) above:"
  grep -E "$report" "$bdir/pytest.log"
  exit 1
fi
if ((status != 0)); then
  echo "sanitize: FAILED: pytest exit status $status"
  exit 1
fi
echo "sanitize: clean (${#files[@]} test files, no sanitizer report)"
exit 0
}
