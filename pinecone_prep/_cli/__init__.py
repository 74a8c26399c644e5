"""The `pinecone-prep` command line. It uses only the public API of the package.

Exit codes: 0 no errors (warnings allowed), 1 data errors, 2 usage error, 3 storage or API
error, 4 internal error (a bug: please report it), 130 interrupted. `import` also exits 1 when
the import ends Failed or Cancelled, or Completed without every checked record.

Modules load on demand: `--version` and `rules --format json` import neither rich nor pyarrow.
With `--format json`, every outcome, errors included, is one JSON object on standard output
(`{"error": {"kind": ..., "message": ..., "exit_code": ...}}`); standard error keeps the line
for people.
"""

from __future__ import annotations

import importlib.abc
import logging
import sys
from collections.abc import Sequence
from contextlib import suppress
from importlib import import_module

import pinecone_prep as pp

from .._argv import wants_json
from .parser import ArgvError, build_parser

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_STORAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
# Where each command lives: `rules` apart, so that it starts without rich.
HOMES = {"rules": ".rules_page"}


def main(argv: Sequence[str] | None = None) -> int:
    # Libraries log retries with tracebacks; with no logging configured Python would print
    # them: the command line reports each failure in one line of its own.
    logging.getLogger().addHandler(logging.NullHandler())
    args_list = list(sys.argv[1:] if argv is None else argv)
    as_json = wants_json(args_list)
    try:
        args = build_parser().parse_args(args_list)
        if args.run != "rules":
            _pyarrow_without_pandas()
        module = import_module(HOMES.get(args.run, ".commands"), __name__)
        code: int = getattr(module, f"cmd_{args.run}")(args)
        return code
    except ArgvError as exc:
        return _fail("usage", str(exc), EXIT_USAGE, as_json, usage=exc.usage)
    except pp.UsageError as exc:
        return _fail("usage", str(exc), EXIT_USAGE, as_json)
    except pp.StorageError as exc:
        return _fail("storage", str(exc), EXIT_STORAGE, as_json)
    except pp.PineconeError as exc:
        return _fail("pinecone", str(exc), EXIT_STORAGE, as_json)
    except pp.ValidationError as exc:
        return _fail("data", str(exc), EXIT_DATA, as_json)
    except KeyboardInterrupt:
        return _fail("interrupted", "interrupted", EXIT_INTERRUPTED, as_json)
    except Exception as exc:  # a bug: one clear line instead of a traceback
        message = f"{type(exc).__name__}: {exc} (please report this with the command you ran)"
        return _fail("internal", message, EXIT_BUG, as_json)


LABELS = {"usage": "usage error", "storage": "error", "pinecone": "error", "data": "invalid"}


def _fail(kind: str, message: str, code: int, as_json: bool, *, usage: str = "") -> int:
    """Report an error: one line on stderr, and with --format json a JSON object on stdout."""
    if as_json:
        from .output import emit_json

        with suppress(pp.StorageError):  # stdout is gone: the line on stderr is all there is
            emit_json({"error": {"kind": kind, "message": message, "exit_code": code}})
    if usage:
        sys.stderr.write(usage + message + "\n")
    elif kind == "interrupted":
        sys.stderr.write("interrupted\n")
    else:
        from .render import say

        say(LABELS.get(kind, kind + " error"), message)
    return code


class _NoPandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.split(".")[0] == "pandas":
            raise ModuleNotFoundError("not needed by the command line", name=name)


def _pyarrow_without_pandas() -> None:
    """pyarrow imports pandas (0.2-0.3 s, a third of `check`'s start-up) at its first conversion
    of a Python value, only to recognise pandas objects; the command line never hands it one.
    So pyarrow is shown no pandas when it looks (unless pandas is loaded already)."""
    if "pandas" in sys.modules:
        return
    import pyarrow

    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        pyarrow.scalar(0)  # pyarrow looks for pandas now, once per process
    finally:
        sys.meta_path.remove(finder)


__all__ = ["build_parser", "main"]
