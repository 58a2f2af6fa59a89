"""An import-linter contract type for compiled extension modules, which grimp cannot see.

grimp builds the import graph from .py files only, so `from . import _C` (a pybind11 extension)
is recorded as an import of the package itself and no built-in contract can name `dlcore._C`.
This contract reads the source line grimp records for every import of the extension's package
and reports each line that names the extension, unless the importer is allowed:

    [importlinter:contract:extension]
    name = only dlcore.backend imports dlcore._C
    type = extension_importers
    extension = dlcore._C
    allowed_importers = dlcore.backend

Registered in .importlinter with `contract_types = extension_importers:
tools.import_contracts.ExtensionImportersContract`; lint-imports runs from the repository root.
Seen: `from . import _C`, `from dlcore import _C`, `import dlcore._C`. Not seen (grimp records
nothing, or only the statement's first line): `from ._C import x`, and a parenthesised
multi-line `from dlcore import (` ... `_C)`. Write extension imports on one line, as above.
"""

from __future__ import annotations

import re

from importlinter import Contract, ContractCheck, fields, output


class ExtensionImportersContract(Contract):
    type_name = "extension_importers"

    extension = fields.StringField()
    allowed_importers = fields.ListField(subfield=fields.ModuleField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        package, _, name = self.extension.rpartition(".")
        names_it = re.compile(rf"\b{re.escape(name)}\b")
        allowed = {m.name for m in self.allowed_importers}
        illegal = []
        for importer in sorted(graph.find_modules_that_directly_import(package) - allowed):
            for detail in graph.get_import_details(importer=importer, imported=package):
                if names_it.search(detail["line_contents"]):
                    illegal.append((importer, detail["line_number"], detail["line_contents"]))
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error(
            f"Only {', '.join(m.name for m in self.allowed_importers)} may import {self.extension}:",
            bold=False,
        )
        output.new_line()
        for importer, line, text in check.metadata["illegal"]:
            output.print_error(f"- {importer} (l.{line}): {text.strip()}", bold=False)
        output.new_line()
