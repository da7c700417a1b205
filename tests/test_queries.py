"""Every SQL function the runner calls is named in runner/pgcadence/queries.toml, and each
exists in a migrated database with the argument types the runner passes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import psycopg
import pytest

from pgcadence import queries as q

PACKAGE = Path(__file__).resolve().parent.parent / "runner" / "pgcadence"
CALLS = q.CALLS

# Modules whose SQL is spelled in place for now, with the reason. Their calls are listed in
# queries.toml all the same (so the existence check covers them).
PENDING: dict[str, str] = {}  # module -> why it may still spell its calls (none today)

_SQL = re.compile(r"\b(select|insert|update|delete|perform|call|returning|from)\b", re.I)
_QUOTED = re.compile(r"'(?:[^']|'')*'")
_CALL = re.compile(r"\b(public|pgcadence|vault|net|cron|auth|extensions)\.([a-z_][a-z0-9_]*)\(", re.I)


def spelled_calls(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, schema.function) of every SQL function call written in a string of ``source``
    (statements only: docstrings, help texts and quoted SQL literals do not count)."""
    tree = ast.parse(source, filename)
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            docstrings.add(id(body[0].value))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                and _SQL.search(node.value):
            for m in _CALL.finditer(_QUOTED.sub("''", node.value)):
                found.append((node.lineno, f"{m.group(1)}.{m.group(2)}"))
    return found


def test_queries_module_names_the_calls():
    assert len(CALLS) > 70 and q.JOB_QUEUE_ENQUEUE is CALLS["JOB_QUEUE_ENQUEUE"]
    assert str(q.JOB_QUEUE_ENQUEUE) == ("public.job_queue_enqueue(%s::text, %s::jsonb, %s::timestamptz, "
                                        "%s::integer, %s::integer, %s::text)")
    assert str(q.VAULT_CREATE_SECRET) == "vault.create_secret(%s::text, new_name => %s::text, new_description => %s::text)"
    assert q.CACHE_GET.of("p.name", "'strava'") == "public.cache_get((p.name)::text, ('strava')::text)"
    with pytest.raises(ValueError):
        q.call("no_schema(text)")


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_call_resolves_in_a_migrated_database(name, migrated_url):
    """PREPARE resolves the function (overloads, defaults, named arguments) without running it."""
    call = CALLS[name]
    with psycopg.connect(migrated_url) as conn:
        try:
            conn.execute(f"PREPARE probe AS SELECT {call.probe}")
        except psycopg.Error as exc:
            pytest.fail(f"queries.{name} = {call.name}: {exc.diag.message_primary} "
                        f"(called as {call.probe})")
        conn.rollback()


def test_calls_checked_by_signature_exist(migrated_url):
    """``q.X.regprocedure`` (is it installed here?) names the function exactly."""
    used = set()
    for path in PACKAGE.rglob("*.py"):
        used |= set(re.findall(r"\bq\.([A-Z_0-9]+)\.regprocedure\b", path.read_text()))
    assert used, "no module checks a function by its signature?"
    with psycopg.connect(migrated_url) as conn:
        for name in sorted(used):
            sig = CALLS[name].regprocedure
            assert conn.execute("select to_regprocedure(%s) is not null", (sig,)).fetchone()[0], sig


def test_every_name_the_code_uses_is_in_the_registry():
    used = {}
    for path in PACKAGE.rglob("*.py"):
        for name in re.findall(r"\bq\.([A-Z][A-Z_0-9]+)\b", path.read_text()):
            used.setdefault(name, path.relative_to(PACKAGE).as_posix())
    missing = {n: f for n, f in used.items() if n not in CALLS}
    assert used and not missing, f"used but not in queries.toml: {missing}"
    with pytest.raises(AttributeError, match="queries.toml"):
        q.NO_SUCH_CALL  # noqa: B018


def test_no_module_spells_a_call_of_its_own():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "queries.py" or rel in PENDING:
            continue
        for line, fn in spelled_calls(path.read_text(), rel):
            offenders.append(f"runner/pgcadence/{rel}:{line}: {fn}(...) — name it in queries.toml and use q.NAME")
    assert not offenders, "\n".join(offenders)


def test_the_spelling_check_can_fail():
    source = '''
def f(conn):
    """Calls public.in_a_docstring() — not a statement."""
    conn.execute("select public.job_queue_cancel(%s)", (1,))
    conn.execute("select to_regprocedure('public.cron_health()')")
    conn.execute(f"select {q.JOB_QUEUE_PAUSE}")
    return "help: auth.uid() is the user"
'''
    assert spelled_calls(source) == [(4, "public.job_queue_cancel")]
    assert all(fn.split(".")[0] in ("public", "pgcadence", "vault", "net", "cron", "auth")
               for fn in (c.name for c in CALLS.values()))
