"""Print the imports between Dozor's top-level packages, read from the source, not by importing it.

Each line is one edge `from -> to`, with how many import statements make it and how many of those
sit inside a function (a local import hides a dependency from whoever reads the module's head).
Then the cycles among the packages, and every function-local `dozor` import with its place.

    python scripts/import_graph.py            # the edges, the cycles, the local imports
    python scripts/import_graph.py --edges    # the edges only

Migrations are left out: they name models by string and their imports are Django's business.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "dozor"


def _component(module: str) -> str:
    """`dozor.records.services` -> `records`; a module of the project package keeps its name.

    `dozor.config` -> `dozor.config`: the project's own modules (settings, urls, the CLI) are
    separate nodes, so that the settings helpers every app reads do not look like one big cycle.
    """
    parts = module.split(".")
    if len(parts) < 2:
        return "dozor"
    if (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return f"dozor.{parts[1]}"


def _module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_modules(node: ast.AST, current: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = current.split(".")[: -node.level] if node.level else []
            prefix = ".".join(base)
            return [f"{prefix}.{node.module}" if node.module else prefix]
        return [node.module or ""]
    return []


class _Walker(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool) -> None:
        # A package's relative imports start from the package itself.
        self.current = module + ".__init__" if is_package else module
        self.depth = 0
        self.type_checking = 0
        self.found: list[tuple[str, int, bool]] = []

    def _function(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
        if name == "TYPE_CHECKING":
            # Imports for the type checker only never run: they are no dependency at run time.
            self.type_checking += 1
            for child in node.body:
                self.visit(child)
            self.type_checking -= 1
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        if self.type_checking:
            return
        for name in _imported_modules(node, self.current):
            if name == "dozor" or name.startswith("dozor."):
                self.found.append((name, node.lineno, self.depth > 0))

    visit_Import = _import
    visit_ImportFrom = _import


def scan() -> tuple[dict[tuple[str, str], list[int]], list[str]]:
    """Edges between components (value: [statements, local statements]) and the local imports."""
    edges: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    local: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = _module_name(path)
        walker = _Walker(module, path.name == "__init__.py")
        walker.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        source = _component(module)
        for target_module, line, is_local in walker.found:
            if is_local:
                local.append(f"{path.relative_to(ROOT)}:{line}: {target_module}")
            target = _component(target_module)
            if target == source:
                continue
            edge = edges[(source, target)]
            edge[0] += 1
            edge[1] += int(is_local)
    return dict(edges), local


def cycles(edges: dict[tuple[str, str], list[int]]) -> list[list[str]]:
    """The strongly connected components with more than one package (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
        graph.setdefault(target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", action="store_true", help="print the edges only")
    options = parser.parse_args(argv)
    edges, local = scan()
    print("# package -> package  (import statements, of which inside a function)")
    for (source, target), (count, in_function) in sorted(edges.items()):
        suffix = f", {in_function} local" if in_function else ""
        print(f"{source} -> {target}  ({count}{suffix})")
    if options.edges:
        return 0
    found = cycles(edges)
    print(f"\n# cycles between packages: {len(found)}")
    for component in found:
        print("  " + " <-> ".join(component))
    print(f"\n# function-local dozor imports: {len(local)}")
    for line in local:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
