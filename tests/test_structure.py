"""The package's import graph: dependencies point one way. Every import statement counts, those inside
functions too (a lazy import is still a dependency), read from the source without importing it."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "summarizer"


def module_names() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imported(module: str, path: Path) -> set[str]:
    """Every dotted name `module` imports (for `from a import b`: a and a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join(package + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
    return names


def graph() -> dict[str, set[str]]:
    """module → the package modules it imports. An import of a module's own parent package is left out:
    Python has loaded it before the module, so it is never a cycle."""
    modules = module_names()
    out: dict[str, set[str]] = {}
    for module, path in modules.items():
        deps = set()
        for name in imported(module, path):
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                deps.add(name)
        out[module] = deps
    return out


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in g[v]:
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

    for v in g:
        if v not in index:
            visit(v)
    return found


def test_the_package_never_imports_the_scripts_layer() -> None:
    bad = sorted(f"{module} imports {name}" for module, path in module_names().items()
                 for name in imported(module, path) if name.split(".")[0] in ("eval", "scripts", "tests", "fuzz"))
    assert not bad, bad


def test_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_the_checks_see_a_cycle_and_lazy_imports() -> None:
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(g) == [["a", "b", "c"]]
    # serve imports the page (and so Gradio) inside its run function, after the model has loaded
    assert "summarizer.app.page" in graph()["summarizer.commands.serve"]
    assert "summarizer.parsing" in graph()["summarizer.app.service"]
