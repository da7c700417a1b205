"""The package's import graph has no cycle, counting imports deferred into functions too
(a deferred import that closes a cycle only hides it)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "runner" / "pgcadence"


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("pgcadence",) + path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its file."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the containing package
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)  # a submodule, else a name in base
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_the_package_has_no_import_cycle():
    g = graph()
    assert len(g) > 40 and "pgcadence.cli.main" in g and "pgcadence.db" in g["pgcadence.migrate"]
    found = cycles(g)
    assert not found, "import cycles (edges inside each group):\n" + "\n".join(
        " ; ".join(f"{m} -> {', '.join(sorted(g[m] & set(c)))}" for m in c) for c in found)


def test_the_cycle_finder_sees_deferred_imports(tmp_path):
    """The check itself can fail: an import inside a function body is an edge, and a
    cycle it closes is reported."""
    mod = tmp_path / "vault.py"
    mod.write_text("import os\n\ndef doctor_checks(conn):\n    from pgcadence.doctor import Check\n    return []\n")
    known = {"pgcadence.vault", "pgcadence.doctor"}
    assert imports_of("pgcadence.vault", mod, known) == {"pgcadence.doctor"}
    g = {"pgcadence.a": {"pgcadence.b"}, "pgcadence.b": {"pgcadence.c"}, "pgcadence.c": {"pgcadence.a"},
         "pgcadence.d": {"pgcadence.a"}}
    assert cycles(g) == [["pgcadence.a", "pgcadence.b", "pgcadence.c"]]
