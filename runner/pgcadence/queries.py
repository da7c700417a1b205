"""Every SQL function the runner calls, named once, with the argument types it passes.

A call site puts the call from here into its statement::

    from pgcadence import queries as q

    conn.execute(f"SELECT {q.JOB_QUEUE_CANCEL}", (job_id,))

``str(q.JOB_QUEUE_CANCEL)`` is the call with one typed placeholder per argument
(``public.job_queue_cancel(%s::uuid)``), so the runner passes exactly the types written
here, and tests/test_queries.py proves that every call below resolves to a function of a
freshly migrated database (and that no module of the package spells a call of its own).

Adding a call is one line in queries.toml: ``NAME = "schema.function(type, name => type)"``
(a ``name => type`` argument is passed by name, for functions whose middle arguments keep
their defaults).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

_SIGNATURE = re.compile(r"^\s*([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)
_NAMED = re.compile(r"^([a-z_][a-z0-9_]*)\s*=>\s*(.+)$", re.IGNORECASE)


class Call(str):
    """A function call as SQL text with ``%s::type`` placeholders (it *is* that text)."""

    name: str  # schema.function
    args: tuple[tuple[str | None, str], ...]  # (argument name or None, type), in call order

    def __new__(cls, signature: str) -> "Call":
        m = _SIGNATURE.match(signature)
        if not m:
            raise ValueError(f"not a call signature: {signature!r} (expected 'schema.function(type, ...)')")
        args: list[tuple[str | None, str]] = []
        for part in (p.strip() for p in m.group(3).split(",") if p.strip()):
            named = _NAMED.match(part)
            args.append((named.group(1), named.group(2).strip()) if named else (None, part))
        rendered = ", ".join(f"{n} => %s::{t}" if n else f"%s::{t}" for n, t in args)
        self = super().__new__(cls, f"{m.group(1)}.{m.group(2)}({rendered})")
        self.name = f"{m.group(1)}.{m.group(2)}"
        self.args = tuple(args)
        return self

    def of(self, *exprs: str) -> str:
        """The call on SQL expressions (column names …) instead of placeholders, each cast
        to its type: ``q.CACHE_GET.of("p.project_name", "c.cache_type")``."""
        if len(exprs) != len(self.args):
            raise TypeError(f"{self.name} takes {len(self.args)} argument(s), not {len(exprs)}")
        return f"{self.name}(" + ", ".join(f"{n} => ({e})::{t}" if n else f"({e})::{t}"
                                           for (n, t), e in zip(self.args, exprs)) + ")"

    @property
    def probe(self) -> str:
        """The call with typed NULLs instead of placeholders: what the test prepares."""
        return f"{self.name}(" + ", ".join(f"{n} => NULL::{t}" if n else f"NULL::{t}" for n, t in self.args) + ")"

    @property
    def regprocedure(self) -> str:
        """``schema.function(types)`` for ``to_regprocedure()``: is this function installed
        here? (Only meaningful for calls that pass every argument, positionally.)"""
        return f"{self.name}(" + ", ".join(t for _, t in self.args) + ")"


def call(signature: str) -> Call:
    return Call(signature)


def _load() -> dict[str, Call]:
    text = (Path(__file__).with_name("queries.toml")).read_text(encoding="utf-8")
    return {name: call(sig) for name, sig in tomllib.loads(text)["calls"].items()}


CALLS: dict[str, Call] = _load()
globals().update(CALLS)


def __getattr__(name: str) -> Call:
    raise AttributeError(f"pgcadence.queries has no {name}: name the call in runner/pgcadence/queries.toml")
