"""The package's layout: no import circles, small modules, the config at the bottom."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "src" / "symvae"
MAX_LINES = 700


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """Module -> the symvae modules it imports anywhere (function bodies too), each import
    of ``a.b.c`` also counting the packages ``a.b`` whose ``__init__`` it runs."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                targets |= {f"{module}.{a.name}" for a in node.names} | {module}
        deps: set[str] = set()
        for target in targets:
            if not target.startswith("symvae."):
                continue
            found = _resolve(target, modules)
            while found and found != "symvae":
                deps.add(found)
                found = found.rpartition(".")[0]
        graph[name] = {d for d in deps if d != name and not name.startswith(d + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_walk_sees_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = import_graph()
    assert "symvae.config.load" in graph["symvae.config"]
    assert "symvae.config.process" in graph["symvae.config.scans"]


def test_no_import_circles() -> None:
    assert cycles(import_graph()) == []


def test_config_reaches_nothing_that_imports_it() -> None:
    graph = import_graph()
    reached, todo = set(), ["symvae.config"]
    while todo:
        for dep in graph[todo.pop()] - reached:
            reached.add(dep)
            todo.append(dep)
    above = {
        m for m in reached if not m.startswith("symvae.config") and "symvae.config" in graph[m]
    }
    assert above == set()


def test_no_module_over_the_limit() -> None:
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")
    }
    assert {p: n for p, n in sizes.items() if n > MAX_LINES} == {}


def test_stages_load_on_first_use() -> None:
    """``symvae.stages`` names every stage function but loads a stage's module (and its heavy
    imports) only when one of its names is used: a toy job imports no torch, vector,
    scikit-dimension, matplotlib or sympy."""
    from symvae import stages

    assert sorted(stages.__all__) == sorted(stages._HOMES)
    for name in stages.__all__:
        value = getattr(stages, name)
        assert value.__module__ == f"symvae.stages.{stages._HOMES[name]}", name
    code = (
        "import sys\nfrom symvae.stages import make_features\n"
        "print(sorted(m for m in ('torch', 'vector', 'skdim', 'matplotlib', 'sympy')"
        " if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
