"""tools/import_contracts.py: the extension_importers contract type on a throw-away package with a
compiled-extension stand-in (grimp sees only .py files, as with the real dlcore._C)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter")

REPO = Path(__file__).resolve().parents[1]
if not (REPO / "tools" / "import_contracts.py").is_file():  # tests copied out of the source tree
    pytest.skip("tools/import_contracts.py is not beside tests/", allow_module_level=True)

CONFIG = """[importlinter]
root_package = pk
contract_types =
    extension_importers: tools.import_contracts.ExtensionImportersContract

[importlinter:contract:ext]
name = only pk.backend imports pk._C
type = extension_importers
extension = pk._C
allowed_importers = pk.backend
"""


def _lint(tmp_path, files: dict) -> subprocess.CompletedProcess:
    pk = tmp_path / "pk"
    pk.mkdir()
    (pk / "_C.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    for name, text in {"__init__.py": "", **files}.items():
        (pk / name).write_text(text)
    (tmp_path / ".importlinter").write_text(CONFIG)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command;lint_imports_command(['--no-cache'])",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )


def test_allowed_importer_and_unrelated_root_imports_keep_the_contract(tmp_path):
    r = _lint(
        tmp_path,
        {
            "backend.py": "from . import _C\n",
            "ops.py": "from . import backend\nfrom pk import backend as b\n",
        },
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "KEPT" in r.stdout


@pytest.mark.parametrize("line", ["from . import _C", "from pk import _C", "import pk._C"])
def test_any_other_importer_of_the_extension_breaks_it_naming_module_and_line(tmp_path, line):
    r = _lint(tmp_path, {"backend.py": "from . import _C\n", "bench.py": f"import os\n{line}\n"})
    assert r.returncode == 1, r.stdout + r.stderr
    assert "BROKEN" in r.stdout and f"pk.bench (l.2): {line}" in r.stdout
    assert "pk.backend (l." not in r.stdout
