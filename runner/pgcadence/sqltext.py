"""Splitting SQL text into statements, each with the line it starts on.

Migrations and SQL sources are run one statement at a time so that an error names
the file and the line. The scanner knows what PostgreSQL's lexer knows about where a
semicolon does not end a statement: quoted strings (E'' with backslash escapes),
quoted identifiers, dollar-quoted bodies, line and (nested) block comments.
``BEGIN ATOMIC`` bodies are not supported (the project writes none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\x80-\uffff][A-Za-z0-9_\x80-\uffff]*)?\$")


def _ident_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$" or ord(ch) >= 0x80


@dataclass(frozen=True)
class Statement:
    text: str  # from its first significant character up to (not including) the semicolon
    line: int  # 1-based line of the file the statement starts on

    def line_of(self, position: int | None) -> int:
        """File line of a 1-based character position inside ``text`` (PostgreSQL's
        error position), or the statement's first line when there is none."""
        if not position or position < 1:
            return self.line
        return self.line + self.text.count("\n", 0, position - 1)


class SplitError(ValueError):
    """The text ends inside a string, identifier, comment or dollar-quoted body."""

    def __init__(self, what: str, line: int):
        super().__init__(f"unterminated {what} starting on line {line}")
        self.line = line


def split(sql: str) -> list[Statement]:
    """The statements of ``sql`` in order; comments and blanks between them are dropped."""
    out: list[Statement] = []
    n = len(sql)
    i = 0
    line = 1
    start = -1  # index of the current statement's first significant character
    start_line = 0

    def begin() -> None:
        nonlocal start, start_line
        if start < 0:
            start, start_line = i, line

    while i < n:
        ch = sql[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch.isspace():
            i += 1
        elif ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
        elif ch == "/" and sql.startswith("/*", i):
            depth, j, open_line = 1, i + 2, line
            while depth:
                if j >= n:
                    raise SplitError("block comment", open_line)
                if sql.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif sql.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            line += sql.count("\n", i, j)
            i = j
        elif ch == ";":
            if start >= 0:
                out.append(Statement(sql[start:i].rstrip(), start_line))
                start = -1
            i += 1
        elif ch in "'\"":
            begin()
            escapes = ch == "'" and i > 0 and sql[i - 1] in "eE" and (i < 2 or not _ident_char(sql[i - 2]))
            j, open_line = i + 1, line
            while True:
                if j >= n:
                    raise SplitError("quoted string" if ch == "'" else "quoted identifier", open_line)
                c = sql[j]
                if escapes and c == "\\":
                    j += 2
                    continue
                if c == ch:
                    if j + 1 < n and sql[j + 1] == ch:  # doubled quote
                        j += 2
                        continue
                    break
                j += 1
            line += sql.count("\n", i, j + 1)
            i = j + 1
        elif ch == "$" and not (i > 0 and _ident_char(sql[i - 1])) and (m := _DOLLAR_TAG.match(sql, i)):
            begin()
            tag = m.group(0)
            end = sql.find(tag, m.end())
            if end < 0:
                raise SplitError(f"dollar-quoted body {tag}", line)
            line += sql.count("\n", i, end + len(tag))
            i = end + len(tag)
        else:
            begin()
            i += 1
    if start >= 0:
        out.append(Statement(sql[start:].rstrip(), start_line))
    return out
