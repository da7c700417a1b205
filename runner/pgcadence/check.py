"""One line of ``pgcadence doctor``: a check's level, what it found and how to fix it.

A leaf module: whatever defines a check imports this, and ``pgcadence.doctor`` imports
the checks (its ``CHECKS`` list), never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Check:
    level: str  # PASS | WARN | FAIL
    name: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{self.level:<4}  {self.name}: {self.detail}"
        if self.fix and self.level != "PASS":
            text += f" — fix: {self.fix}"
        return text

    def as_dict(self) -> dict:
        return {"level": self.level, "name": self.name, "detail": self.detail, "fix": self.fix or None}
