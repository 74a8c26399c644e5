"""What the command line's arguments ask for before they are parsed: importable without the
command line itself, for `__main__` to answer a Ctrl-C during start-up in the right form."""

from __future__ import annotations

from collections.abc import Sequence


def wants_json(argv: Sequence[str]) -> bool:
    """Whether the arguments ask for JSON (`--format json`), even when they cannot be parsed."""
    for i, arg in enumerate(argv):
        if arg == "--format=json" or (
            arg == "--format" and tuple(argv[i + 1 : i + 2]) == ("json",)
        ):
            return True
    return False
