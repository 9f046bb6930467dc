"""Every service that writes makes its audit entry: a walk over every public function of every
``dozor/*/services.py``, following the calls it makes into Dozor's own code.

A function *writes* when it, or a Dozor function it calls, saves, creates, updates or deletes
through the ORM (``.save()``, ``.create()``, ``.bulk_create()``, a queryset's ``.update()`` or
``.delete()``, ``bulk_insert``); it is *audited* when it, or a function it calls, appends to the
trail (``audit_record``, ``audit_records``, ``audit_write``). A public service that writes and is
not audited fails the test, unless it is on ``NOT_AUDITED`` with the reason. The walk reads the
code, so a new service is checked the day it is written, before any test calls it.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "dozor"

ORM_WRITES = {"save", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
# .create() and .update() are the ORM's when called on a manager or a queryset.
QUERYSET_WRITES = {"create", "update"}
QUERYSET_MARKS = {"objects", "filter", "exclude", "all", "select_for_update", "_default_manager"}
WRITE_FUNCTIONS = {"dozor.records.bulk.bulk_insert"}
AUDIT_FUNCTIONS = {
    "dozor.audit.services.audit_record",
    "dozor.audit.services.audit_records",
    "dozor.audit.services.audit_write",
}

# Public services that write without an audit entry of their own, and why that is right.
NOT_AUDITED: dict[str, str] = {
    "dozor.audit.services.audit_record": "it is the trail",
    "dozor.audit.services.audit_records": "it is the trail",
    "dozor.audit.services.audit_write": "it is the trail",
    "dozor.intake.services.upload_store": (
        "a sealed upload waiting for its import; the import is the entry, and an upload never "
        "imported is removed by uploads_clean"
    ),
    "dozor.intake.services.upload_encoding_choose": "the encoding of a waiting upload",
    "dozor.evidence.services.attachment_clean": (
        "writes nothing stored: Pillow's image.save writes the copy into memory; its callers "
        "record the export (attachment_open_clean, the dossier once printed)"
    ),
    "dozor.intake.services.upload_discard": "removes a waiting upload, never stored data",
    "dozor.intake.services.uploads_clean": "removes waiting uploads older than a day",
    "dozor.accounts.services.totp_device_start": (
        "an unconfirmed authenticator; totp_device_confirm is the entry"
    ),
    "dozor.accounts.services.api_token_use": (
        "records when a token was last used, at most once a minute; each call's reads and writes "
        "are audited where they happen"
    ),
    "dozor.tella.services.tella_token_use": (
        "records when a phone's key was last used, at most once a minute; what the phone sends "
        "is audited where it is received"
    ),
    "dozor.tella.services.tella_piece_receive": (
        "a sealed piece of a file still arriving; closing the file is the entry, with its SHA-256 "
        "(submission_file_add), and a file that never closes is never a submission's"
    ),
    "dozor.tella.services.tella_uploads_clean": (
        "removes the sealed pieces of files left unfinished for a month, never a received file"
    ),
    "dozor.estimation.services.estimate_run_execute": (
        "the worker's progress and results of a run whose start is the entry (estimate_run_start)"
    ),
    "dozor.estimation.services.estimate_run_reproduce": (
        "recomputes a run and stores nothing; the walk sees the progress writes of the shared "
        "replicate code, which this caller turns off (store_progress=False)"
    ),
}


@dataclass
class Function:
    module: str
    node: ast.FunctionDef
    cls: str | None = None
    calls: set[str] = field(default_factory=set)
    writes: bool = False
    audits: bool = False

    @functools.cached_property
    def local_imports(self) -> dict[str, str]:
        """Imports inside the function (function-local ones): they count as well as the module's."""
        return {
            alias.asname or alias.name: f"{node.module}.{alias.name}"
            for node in ast.walk(self.node)
            if isinstance(node, ast.ImportFrom) and node.module
            for alias in node.names
        }


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _attribute_chain(node: ast.expr) -> list[str]:
    """``a.b.filter(x).update`` -> ["a", "b", "filter", "update"]."""
    chain: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            chain.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Name):
            chain.append(node.id)
            return chain[::-1]
        else:
            return chain[::-1]


class Walk:
    def __init__(self) -> None:
        self.functions: dict[str, Function] = {}
        self.imports: dict[str, dict[str, str]] = {}
        self.classes: dict[str, set[str]] = {}
        for path in sorted(PACKAGE.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            self._read(_module_name(path), ast.parse(path.read_text(encoding="utf-8")))
        for function in self.functions.values():
            self._calls(function)
        self._close()

    def _read(self, module: str, tree: ast.Module) -> None:
        names: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    names[alias.asname or alias.name] = alias.name
        self.imports[module] = names
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                self.functions[f"{module}.{node.name}"] = Function(module, node)
                names.setdefault(node.name, f"{module}.{node.name}")
            elif isinstance(node, ast.ClassDef):
                methods = set()
                for item in node.body:
                    if isinstance(item, ast.FunctionDef):
                        qualified = f"{module}.{node.name}.{item.name}"
                        self.functions[qualified] = Function(module, item, cls=node.name)
                        methods.add(qualified)
                self.classes[f"{module}.{node.name}"] = methods
                names.setdefault(node.name, f"{module}.{node.name}")

    def _resolve(self, function: Function, chain: list[str]) -> str | None:
        if not chain:
            return None
        if chain[0] == "self" and function.cls and len(chain) == 2:
            return f"{function.module}.{function.cls}.{chain[1]}"
        head = function.local_imports.get(chain[0]) or self.imports[function.module].get(chain[0])
        if head is None:
            return None
        return ".".join([head, *chain[1:]])

    def _calls(self, function: Function) -> None:
        for node in ast.walk(function.node):
            if not isinstance(node, ast.Call):
                continue
            chain = _attribute_chain(node.func)
            if not chain:
                continue
            last = chain[-1]
            if (last in ORM_WRITES and len(chain) > 1) or (
                last in QUERYSET_WRITES and QUERYSET_MARKS & set(chain[:-1])
            ):
                function.writes = True
            target = self._resolve(function, chain)
            if target is None:
                continue
            if target in WRITE_FUNCTIONS:
                function.writes = True
            if target in AUDIT_FUNCTIONS:
                function.audits = True
            if target in self.functions:
                function.calls.add(target)
            elif target in self.classes:  # a class used here: its methods may run
                function.calls |= self.classes[target]

    def _close(self) -> None:
        changed = True
        while changed:
            changed = False
            for function in self.functions.values():
                for name in function.calls:
                    callee = self.functions[name]
                    if callee.writes and not function.writes:
                        function.writes = changed = True
                    if callee.audits and not function.audits:
                        function.audits = changed = True

    def services(self) -> dict[str, Function]:
        return {
            name: function
            for name, function in self.functions.items()
            if function.module.endswith(".services")
            and function.cls is None
            and not function.node.name.startswith("_")
        }


@functools.cache
def walk() -> Walk:
    """Read once, when a test first asks (not while the suite is being collected)."""
    return Walk()


def test_the_walk_finds_the_services_that_write() -> None:
    services = walk().services()
    assert services["dozor.records.services.incident_create"].writes
    assert services["dozor.records.services.reports_create_many"].writes
    assert services["dozor.intake.services.import_run"].writes
    assert not services["dozor.estimation.services.settings_for"].writes


def test_every_service_that_writes_makes_an_audit_entry() -> None:
    missing = sorted(
        name
        for name, function in walk().services().items()
        if function.writes and not function.audits and name not in NOT_AUDITED
    )
    assert not missing, (
        "These services write without an audit entry; audit where the write happens, or put "
        f"them on NOT_AUDITED with the reason: {missing}"
    )


def test_every_exception_is_a_service_that_still_writes() -> None:
    services = walk().services()
    stale = sorted(
        name for name in NOT_AUDITED if name not in services or not services[name].writes
    )
    assert not stale, f"NOT_AUDITED names functions that no longer write: {stale}"
