"""The SQL manifest (``sql/manifest.toml``): modules, their migrations and source files.

A module is a unit a database has or has not: its versioned migrations (tables,
indexes, data) and its SQL sources (functions, views, triggers, policies, grants,
comments, standing cron jobs), applied in the order the manifest lists them. Core
modules are always installed; the others can be enabled and disabled per database.
A source file may carry a condition (a named SQL expression from ``[conditions]``):
it is applied only where the condition holds, or where it was applied before.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pgcadence import resources
from pgcadence.errors import CadenceError

SQL_DIR = resources.data_dir("sql")


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the sql directory, e.g. "queue/claim.sql"
    module: str
    when: str | None  # name of a condition, or None
    root: Path

    @property
    def file(self) -> Path:
        return self.root / self.path

    @cached_property
    def text(self) -> str:
        return self.file.read_text(encoding="utf-8")

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.file.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Module:
    name: str
    core: bool
    summary: str
    requires: tuple[str, ...]
    migrations: tuple[str, ...]
    files: tuple[SourceFile, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Manifest:
    modules: tuple[Module, ...]
    conditions: dict[str, str]

    def module(self, name: str) -> Module:
        for m in self.modules:
            if m.name == name:
                return m
        known = ", ".join(m.name for m in self.modules)
        raise CadenceError(f"no module named {name!r} (modules: {known})")

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.modules]

    def files(self, modules: set[str] | None = None) -> list[SourceFile]:
        """Source files in apply order, of the given modules (all when None)."""
        return [f for m in self.modules if modules is None or m.name in modules for f in m.files]

    def owner_of(self, migration_id: str) -> str | None:
        for m in self.modules:
            if migration_id in m.migrations:
                return m.name
        return None

    def with_requirements(self, names: set[str]) -> set[str]:
        """``names`` plus every core module plus what they require, transitively."""
        out = {m.name for m in self.modules if m.core} | set(names)
        todo = list(out)
        while todo:
            for r in self.module(todo.pop()).requires:
                if r not in out:
                    out.add(r)
                    todo.append(r)
        return out

    def dependents(self, names: set[str]) -> set[str]:
        """``names`` plus every module that requires one of them, transitively."""
        out = set(names)
        changed = True
        while changed:
            changed = False
            for m in self.modules:
                if m.name not in out and out.intersection(m.requires):
                    out.add(m.name)
                    changed = True
        return out


def load(sql_dir: Path = SQL_DIR) -> Manifest:
    """Read and check the manifest; a mistake in it is one clear error."""
    path = sql_dir / "manifest.toml"
    if not path.is_file():
        raise CadenceError(f"SQL manifest not found: {path}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CadenceError(f"{path}: {exc}") from None
    conditions = raw.get("conditions", {})
    modules: list[Module] = []
    seen_files: set[str] = set()
    seen_migrations: set[str] = set()
    for entry in raw.get("module", []):
        name = entry.get("name")
        if not name or not isinstance(name, str):
            raise CadenceError(f"{path}: a [[module]] without a name")
        files: list[SourceFile] = []
        for item in entry.get("files", []):
            rel, when = (item, None) if isinstance(item, str) else (item.get("path"), item.get("when"))
            if not rel or not (sql_dir / rel).is_file():
                raise CadenceError(f"{path}: module {name}: source file {rel!r} not found in {sql_dir}")
            if rel in seen_files:
                raise CadenceError(f"{path}: source file {rel} is listed twice")
            if when is not None and when not in conditions:
                raise CadenceError(f"{path}: {rel}: unknown condition {when!r}")
            seen_files.add(rel)
            files.append(SourceFile(rel, name, when, sql_dir))
        migrations = tuple(entry.get("migrations", []))
        for mid in migrations:
            if mid in seen_migrations:
                raise CadenceError(f"{path}: migration {mid} belongs to two modules")
            seen_migrations.add(mid)
        modules.append(Module(name, bool(entry.get("core", False)), entry.get("summary", ""),
                              tuple(entry.get("requires", [])), migrations, tuple(files)))
    names = {m.name for m in modules}
    for m in modules:
        for r in m.requires:
            if r not in names:
                raise CadenceError(f"{path}: module {m.name} requires unknown module {r}")
            if [x.name for x in modules].index(r) > [x.name for x in modules].index(m.name):
                raise CadenceError(f"{path}: module {m.name} requires {r}, which is listed after it")
    return Manifest(tuple(modules), conditions)
