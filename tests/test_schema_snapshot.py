"""tests/fixtures/schema.sql is exactly what migrate produces (run 'make schema' to refresh it)."""

import difflib

from pgcadence import schema_dump


def test_snapshot_matches_migrations(migrated_url):
    live = schema_dump.dump(migrated_url)
    saved = schema_dump.SNAPSHOT.read_text()
    if live != saved:
        diff = "".join(list(difflib.unified_diff(saved.splitlines(True), live.splitlines(True),
                                                 "tests/fixtures/schema.sql", "migrated database"))[:80])
        raise AssertionError("tests/fixtures/schema.sql drifted from the migrations and sources; run 'make schema'\n" + diff)
