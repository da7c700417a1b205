"""Where the package's SQL lives: migrations/ and sql/.

In a wheel they are package data (``pgcadence/_data/``, see pyproject.toml); in a source
checkout (an editable install, ``make``) they are the top-level folders of the checkout.
"""

from __future__ import annotations

from pathlib import Path

from pgcadence.errors import CadenceError

PACKAGE = Path(__file__).resolve().parent
BUNDLED = PACKAGE / "_data"
# runner/pgcadence/ -> the checkout's root, when running from a source checkout
CHECKOUT = PACKAGE.parent.parent if (PACKAGE.parent.parent / "pyproject.toml").is_file() else None


def data_dir(name: str) -> Path:
    """``migrations`` or ``sql``: the bundled copy, else the checkout's folder."""
    for base in (BUNDLED, CHECKOUT):
        if base is not None and (base / name).is_dir():
            return base / name
    raise CadenceError(f"the {name}/ folder of pgcadence is missing (looked in {BUNDLED} and the source checkout): "
                       "reinstall pgcadence")
