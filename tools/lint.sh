#!/usr/bin/env bash
# The one lint entry point (CI runs it): ruff check, ruff format --check, clang-format on csrc/,
# the import-linter contracts (.importlinter) and the per-file line budget. Every check runs; the
# exit status is 1 when any failed, and the last line names them.
# Usage: tools/lint.sh          check only
#        tools/lint.sh --fix    ruff check --fix, ruff format, clang-format -i; then check
# Tools: pip install ".[dev]"  (ruff, import-linter, clang-format; PYTHON picks the interpreter
# that runs tools/line_budget.py, default python3).
set -uo pipefail
{
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
py=${PYTHON:-python3}
failed=()
run() {  # run NAME CMD...: prints a header, runs CMD, records NAME when it fails
  local name=$1
  shift
  printf '\n== %s\n' "$name"
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "lint: '$1' not found (pip install \".[dev]\")"
    failed+=("$name")
  elif ! "$@"; then
    failed+=("$name")
  fi
}

mapfile -t cxx < <(git ls-files --cached --others --exclude-standard -- \
  'csrc/*.h' 'csrc/*.cpp' 'csrc/*.cu' 'csrc/*.cuh' 'csrc/*.inl' 2>/dev/null ||
  find csrc -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.cu' -o -name '*.cuh' -o -name '*.inl' \))

if [[ ${1:-} == --fix ]]; then
  printf '== fixing: ruff check --fix, ruff format, clang-format -i\n'
  ruff check --fix-only --quiet . || true
  ruff format --quiet .
  clang-format -i "${cxx[@]}"
fi

run "ruff check" ruff check --output-format concise .
run "ruff format" ruff format --check --output-format concise .
run "clang-format (${#cxx[@]} files)" clang-format --dry-run --Werror --ferror-limit=3 "${cxx[@]}"
run "import contracts" lint-imports --no-cache --no-logo
run "line budget" "$py" tools/line_budget.py

if ((${#failed[@]})); then
  joined=$(printf '%s, ' "${failed[@]}")
  printf '\nlint: FAILED: %s\n' "${joined%, }"
  exit 1
fi
printf '\nlint: all checks passed\n'
exit 0
}
