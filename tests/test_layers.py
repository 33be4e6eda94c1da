"""The layers only point down: no import cycle among the top-level parts of ``src/vitrina``.

Every import counts, also one inside a function (it runs, just later); only imports under
``if TYPE_CHECKING:`` are exempt (they never run). ``errors``, ``config``, ``db``, ``logs``,
``retry`` and ``models`` are the shared base: they may be imported by anything, and a cycle
through them is still a cycle.
"""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import vitrina

ROOT = Path(vitrina.__file__).parent


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield from _imports_in(other)
            continue
        yield from _imports_in(child)


def _imports_in(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    yield from _imports(node)


def _imported_modules(path: Path, module: str) -> Iterator[str]:
    """Dotted names ``path`` imports (``from a import b`` yields ``a`` and ``a.b``)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            parent = ".".join(parts[: len(parts) - node.level + 1])
            base = f"{parent}.{base}" if base else parent
        yield base
        yield from (f"{base}.{alias.name}" for alias in node.names)


def _top(name: str, root: Path) -> str | None:
    parts = name.split(".")
    if parts[0] != "vitrina" or len(parts) < 2:
        return None
    top = parts[1]
    return top if (root / top).is_dir() or (root / f"{top}.py").is_file() else None


def package_graph(root: Path = ROOT) -> dict[str, dict[str, str]]:
    """Top-level part → the parts it imports, each with one file that does (for the message)."""
    graph: dict[str, dict[str, str]] = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts == ("__init__.py",):
            continue
        source = relative.parts[0].removesuffix(".py")
        module = ".".join(("vitrina", *relative.with_suffix("").parts))
        edges = graph.setdefault(source, {})
        for name in _imported_modules(path, module):
            target = _top(name, root)
            if target is not None and target != source:
                edges.setdefault(target, str(relative))
    return graph


def find_cycle(graph: dict[str, dict[str, str]]) -> list[str] | None:
    """One cycle (its nodes, the first repeated at the end), or ``None``."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph.get(node, {})):
            cycle = visit(target, [*path, node])
            if cycle is not None:
                return cycle
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle is not None:
            return cycle
    return None


def test_no_import_cycle_among_the_top_level_packages():
    graph = package_graph()
    cycle = find_cycle(graph)
    if cycle is not None:
        steps = [f"{a} → {b} ({graph[a][b]})" for a, b in itertools.pairwise(cycle)]
        raise AssertionError("import cycle: " + "; ".join(steps))


def test_the_catalog_does_not_import_ingest():
    """The catalog takes :class:`~vitrina.catalog.product_data.ProductData`, whoever parsed it."""
    graph = package_graph()
    assert "ingest" not in graph["catalog"], f"catalog → ingest ({graph['catalog'].get('ingest')})"


def test_the_check_sees_a_cycle_through_a_function_level_import(tmp_path):
    """The guard itself: a late import closes a cycle, a TYPE_CHECKING one does not."""
    (tmp_path / "low").mkdir()
    (tmp_path / "low" / "__init__.py").write_text("")
    (tmp_path / "low" / "thing.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from vitrina.high import Up\n"
    )
    (tmp_path / "high.py").write_text("from vitrina.low.thing import x\n")
    typed_only = package_graph(tmp_path)
    assert typed_only == {"low": {}, "high": {"low": "high.py"}}
    assert find_cycle(typed_only) is None

    (tmp_path / "low" / "late.py").write_text("def f():\n    from vitrina import high\n")
    assert find_cycle(package_graph(tmp_path)) == ["high", "low", "high"]


def test_the_cli_loads_no_heavy_module_to_show_its_help():
    """``vitrina --help`` stays fast: commands import SQLAlchemy, pydantic, the stand-in… late."""
    script = (
        "import sys, vitrina.cli.main\n"
        "heavy = ('sqlalchemy', 'pydantic', 'fastapi', 'httpx', 'PIL', 'numpy', 'vitrina.standin')\n"
        "print(' '.join(m for m in heavy if m in sys.modules))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == []


def test_jobs_do_not_import_search():
    """The worker computes photo descriptors (``descriptors``), not searches: ``jobs`` stays
    below ``search`` even where no cycle would show it."""
    graph = package_graph()
    assert "search" not in graph["jobs"], f"jobs → search ({graph['jobs'].get('search')})"
