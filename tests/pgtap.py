"""Running a pgTAP file against a database and reading its TAP output.

A file in tests/pgtap/ holds ``SELECT plan(n); ... SELECT * FROM finish();``.
The runner wraps it in a transaction that installs pgTAP into a private schema and
is rolled back at the end, so the tests leave no trace in the database.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

PRELUDE = """\\set ON_ERROR_STOP 1
\\set QUIET 1
BEGIN;
CREATE SCHEMA tap;
CREATE EXTENSION pgtap WITH SCHEMA tap;
SET LOCAL search_path = public, extensions, tap;
"""
POSTLUDE = "\nROLLBACK;\n"

_PLAN = re.compile(r"^1\.\.(\d+)")
_RESULT = re.compile(r"^(not )?ok (\d+)(.*)$")


@dataclass
class TapResult:
    returncode: int
    planned: int | None = None
    passed: int = 0
    failures: list[str] = field(default_factory=list)
    output: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        ran = self.passed + len(self.failures)
        return self.returncode == 0 and not self.failures and self.planned is not None and self.planned == ran

    def explain(self) -> str:
        lines = []
        if self.returncode != 0:
            lines.append(f"psql exited {self.returncode}: {self.stderr.strip()}")
        if self.planned is None:
            lines.append("no plan line (1..N) in the output")
        elif self.planned != self.passed + len(self.failures):
            lines.append(f"planned {self.planned} tests, ran {self.passed + len(self.failures)}")
        lines.extend(self.failures)
        return "\n".join(lines)


def run_file(path: Path, url: str) -> TapResult:
    psql = shutil.which("psql") or "psql"
    script = PRELUDE + path.read_text() + POSTLUDE
    proc = subprocess.run(
        [psql, "-X", "-A", "-t", "-d", url], input=script, capture_output=True, text=True, timeout=300
    )
    result = TapResult(proc.returncode, output=proc.stdout, stderr=proc.stderr)
    lines = proc.stdout.splitlines()
    for i, line in enumerate(lines):
        line = line.strip()
        if m := _PLAN.match(line):
            result.planned = int(m.group(1))
        elif m := _RESULT.match(line):
            if m.group(1) and "# TODO" not in m.group(3):
                diag = [lines[j].strip() for j in range(i + 1, len(lines)) if lines[j].strip().startswith("#")][:8]
                result.failures.append("\n".join([line, *diag]))
            else:
                result.passed += 1
    return result
