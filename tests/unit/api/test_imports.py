"""The modules of `api` import each other without a cycle.

An import inside a function counts: deferring an import hides a cycle from Python, not from
the reader, and the modules stay tangled. Only imports under `if TYPE_CHECKING:` are left out,
since they never run. Importing `api.x` also runs `api/__init__.py`, but Python has that
package half-built by then whatever it imports, so only the imports written down are edges."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

API_DIR = Path(__file__).resolve().parents[3] / "api"


def module_names(root: Path) -> dict[str, Path]:
    """`api.storage.s3` -> its file, for every module and package of the tree at `root`."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            visit(child)

    visit(tree)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    """Each module of the package at `root` -> the modules of that package it imports."""
    modules = module_names(root)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _imports(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            base = node.module or ""
            if node.level:  # relative: from . import x, from ..y import z
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:  # `from api import cache` imports the module api.cache
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in modules else base)
        graph[name] = {target for target in targets if target in modules} - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as [a, b, ..., a], or None: a depth-first search that stops at the first edge
    back to a module still on its path."""
    on_path: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> list[str] | None:
        on_path.append(module)
        for target in sorted(graph[module]):
            if target in on_path:
                return [*on_path[on_path.index(target) :], target]
            if target not in done:
                cycle = visit(target)
                if cycle:
                    return cycle
        on_path.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        if module not in done:
            cycle = visit(module)
            if cycle:
                return cycle
    return None


def test_the_api_modules_import_each_other_without_a_cycle():
    cycle = find_cycle(import_graph(API_DIR))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {
                "__init__.py": "",
                "a.py": "from pkg.b import x\n",
                "b.py": "def f():\n    from pkg import a\n",
            },
            ["pkg.a", "pkg.b", "pkg.a"],
        ),
        (
            {
                "__init__.py": "",
                "sub/__init__.py": "",
                "sub/leaf.py": "from . import other\n",
                "sub/other.py": "from ..sub.leaf import name\n",
            },
            ["pkg.sub.leaf", "pkg.sub.other", "pkg.sub.leaf"],
        ),
        (
            {
                "__init__.py": "",
                "a.py": "import typing\nif typing.TYPE_CHECKING:\n    from pkg import b\n",
                "b.py": "import pkg.a\n",
            },
            None,
        ),
    ],
    ids=["deferred-import", "relative-import", "type-checking-only"],
)
def test_the_cycle_check_sees_deferred_and_relative_imports_but_not_type_only_ones(
    tmp_path, files, expected
):
    for name, text in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert find_cycle(import_graph(tmp_path / "pkg")) == expected
