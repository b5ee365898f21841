"""The layout shows the flow: imports go from a stage to the stages before it, never back.

documents (``io``, ``text``) → gazetteer → mentions and places (``parse``) → registry →
agreement links (``link``) → layers → map and exports (``web``, ``export``) → ``scale`` →
``cli``. A module may import its own stage and the stages before it; nothing imports the
CLI; the import graph of the modules has no cycle. Lazy imports inside functions count:
they are dependencies too. Only ``geo/__init__.py``, the public facade, may reach up.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "geo"

#: Stage of each top-level part of the package; lower stages never import higher ones.
STAGES: dict[str, int] = {
    "errors": 0,
    "models": 0,
    "settings": 0,
    "vocab": 0,
    "io": 1,
    "text": 2,
    "gazetteer": 3,
    "parse": 4,
    "registry": 5,
    "link": 6,
    "layers": 7,
    "web": 8,
    "export": 8,
    "scale": 9,
    "cli": 10,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every ``geo.*`` module *path* imports, at any depth of its code."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "geo")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != "geo":
                continue
            found.add(target)
            for alias in node.names:  # `from geo.web import render` imports a module
                candidate = f"{target}.{alias.name}"
                if _exists(candidate):
                    found.add(candidate)
    found.discard(name)
    return found


def _exists(module: str) -> bool:
    path = ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def stage(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) == 1:
        return None  # the facade
    return STAGES[parts[1]]


def graph() -> dict[str, set[str]]:
    return {
        module_name(path): imports_of(path)
        for path in sorted(PACKAGE.rglob("*.py"))
        if "_data" not in path.parts
    }


def test_every_part_of_the_package_has_a_stage() -> None:
    tops = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    }
    assert tops == set(STAGES)


def test_imports_flow_from_lower_stages_only() -> None:
    wrong = []
    for module, targets in graph().items():
        here = stage(module)
        if here is None:
            continue
        for target in sorted(targets):
            there = stage(target)
            if there is not None and there > here:
                wrong.append(f"{module} (stage {here}) imports {target} (stage {there})")
    assert wrong == []


def test_nothing_imports_the_cli() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in graph().items()
        if not module.startswith("geo.cli") and module != "geo"
        for target in targets
        if target.startswith("geo.cli")
    ]
    assert wrong == []


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (as a path), or ``None`` (iterative depth-first search)."""
    state: dict[str, int] = {}
    for root in sorted(edges):
        if state.get(root):
            continue
        stack: list[tuple[str, list[str]]] = [(root, sorted(edges.get(root, ())))]
        path = [root]
        state[root] = 1
        while stack:
            node, todo = stack[-1]
            if not todo:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            nxt = todo.pop()
            if nxt not in edges:
                continue
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(edges.get(nxt, ()))))
    return None


def test_the_module_graph_has_no_cycle() -> None:
    edges = graph()
    # A package's __init__ re-exports its modules; an edge from a module to its own
    # package's facade would be a cycle of convenience, so the facade is left out.
    edges = {
        m: {t for t in targets if not m.startswith(t + ".")}
        for m, targets in edges.items()
        if m != "geo"
    }
    assert _cycle(edges) is None


def test_the_cycle_finder_finds_cycles() -> None:
    assert (
        _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "c", "b", "a"]
        or _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) is not None
    )
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
