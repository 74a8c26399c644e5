"""The rules of the house, checked by a tool instead of by memory: which module may import
what (layers, edges, wings), no import circle, and the sizes of files, classes and functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pinecone_prep"
# Third-party libraries that only one module may import: the edges.
EDGES = {
    "fsspec": {"_storage.store", "_storage.options", "_storage.streams", "_storage.writes"},
    "pyarrow.fs": {"_storage.store", "_storage.options", "_storage.streams"},
    "pinecone": {"_pinecone.client"},
    "rich": {"_cli.render"},
    "pandas": set(),  # recognised through sys.modules only: it is an optional extra
    "polars": {"_write.files", "_write.inputs"},
    "dask": {"dask"},  # the engines: each imported by its own glue module only
    "distributed": {"dask"},
    "pyspark": {"spark"},
}
WINGS = ("_check", "_write", "_plan")
LEAVES = {"_errors", "_types", "_spec", "_codes"}
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_CLASS_LINES = 250
# Long for a reason: every keyword of a public signature spelled out, plus its docstring.
LONG_FUNCTIONS = {"_pinecone.imports.start_import", "_write.api.write", "_write.api.stage"}


def modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(p for p in parts if p != "__init__") or "__init__"
        found[name] = ast.parse(path.read_text(), str(path))
        LINES[name] = len(path.read_text().splitlines())
    return found


LINES: dict[str, int] = {}


def _runtime_body(tree: ast.AST) -> list[ast.stmt]:
    """Module-level statements, without `if TYPE_CHECKING:` blocks (annotations only)."""
    body = []
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        body.append(node)
    return body


def imports(name: str, tree: ast.Module, *, top_level: bool) -> set[str]:
    """What a module imports: package modules as "_x.y", other libraries by dotted name."""
    nodes = _runtime_body(tree) if top_level else list(ast.walk(tree))
    found: set[str] = set()
    package = name.split(".")[:-1] if not name.endswith("__init__") else name.split(".")
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
                found.add(target.lstrip("."))
            elif node.module:
                found.add(node.module)
    return {
        i.removeprefix("pinecone_prep.").removeprefix("pinecone_prep") or "__init__" for i in found
    }


MODULES = modules()


@pytest.mark.parametrize("library", sorted(EDGES))
def test_each_edge_library_is_imported_by_its_one_module(library: str) -> None:
    users = {
        name
        for name, tree in MODULES.items()
        if any(
            i == library or i.startswith(library + ".")
            for i in imports(name, tree, top_level=False)
        )
    }
    assert users <= EDGES[library], f"{library} imported by {sorted(users - EDGES[library])}"


def test_the_wings_do_not_import_each_other() -> None:
    for name, tree in MODULES.items():
        wing = name.split(".")[0]
        if wing not in WINGS:
            continue
        for target in imports(name, tree, top_level=False):
            other = target.split(".")[0]
            assert other == wing or other not in WINGS, f"{name} imports {target}"


def test_the_leaves_import_only_leaves() -> None:
    for name in [m for m in MODULES if m.split(".")[0] in LEAVES]:
        found = imports(name, MODULES[name], top_level=True) - {"__future__"}
        inside = {i.split(".")[0] for i in found if i.startswith("_")}
        assert inside <= LEAVES, f"{name} imports {sorted(inside - LEAVES)}"


def test_the_command_line_uses_only_the_public_api() -> None:
    for name, tree in MODULES.items():
        if name.split(".")[0] != "_cli":
            continue
        private = {
            i
            for i in imports(name, tree, top_level=False)
            if i.startswith("_")
            and not i.startswith("_cli")
            # `_argv` is the command line's own: outside `_cli` only so that `__main__` can
            # read the arguments before the command line is imported.
            and i not in ("__future__", "__init__", "_argv")
        }
        assert not private, f"{name} imports {sorted(private)}"


def test_no_import_circle() -> None:
    graph = {
        name: {i for i in imports(name, tree, top_level=True) if i in MODULES}
        for name, tree in MODULES.items()
    }
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                raise AssertionError("import circle: " + " -> ".join([*path, node, nxt]))
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])


def test_sizes() -> None:
    too_big = []
    for name, tree in MODULES.items():
        if LINES[name] > MAX_FILE_LINES:
            too_big.append(f"{name}: {LINES[name]} lines")
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            size = (node.end_lineno or 0) - node.lineno + 1
            limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
            if size > limit and f"{name}.{node.name}" not in LONG_FUNCTIONS:
                too_big.append(f"{name}.{node.name}: {size} lines")
    assert too_big == []
