"""Every tests/pgtap/*.sql file is one pytest item; a 'not ok' fails it with its diagnostics."""

from pathlib import Path

import pytest

from tests.pgtap import run_file

FILES = sorted((Path(__file__).parent / "pgtap").glob("*.sql"))


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_pgtap_file(path, migrated_url):
    result = run_file(path, migrated_url)
    assert result.ok, result.explain()


def test_failing_assertion_fails_the_item(migrated_url, tmp_path):
    """The harness itself: a false assertion is reported, not swallowed."""
    bad = tmp_path / "bad.sql"
    bad.write_text("SELECT plan(2);\nSELECT ok(true, 'fine');\nSELECT is(1, 2, 'one is two');\nSELECT * FROM finish();\n")
    result = run_file(bad, migrated_url)
    assert not result.ok
    assert result.passed == 1
    assert "not ok 2 - one is two" in result.failures[0]
    assert "have: 1" in result.failures[0] and "want: 2" in result.failures[0]


def test_sql_error_fails_the_item(migrated_url, tmp_path):
    bad = tmp_path / "err.sql"
    bad.write_text("SELECT plan(1);\nSELECT no_such_function();\nSELECT * FROM finish();\n")
    result = run_file(bad, migrated_url)
    assert not result.ok
    assert "no_such_function" in result.explain()


def test_short_run_fails_the_item(migrated_url, tmp_path):
    bad = tmp_path / "short.sql"
    bad.write_text("SELECT plan(3);\nSELECT ok(true);\nSELECT * FROM finish();\n")
    result = run_file(bad, migrated_url)
    assert not result.ok
    assert "planned 3 tests, ran 1" in result.explain()
