"""The one exception type the CLI turns into a clear, single-line error."""


class CadenceError(Exception):
    """A user-facing failure: the message says what went wrong and how to fix it."""

    exit_code = 1
