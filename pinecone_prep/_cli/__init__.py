"""The `pinecone-prep` command line. It uses only the public API of the package.

Exit codes: 0 no errors (warnings allowed), 1 data errors, 2 usage error, 3 storage or API
error, 4 internal error (a bug: please report it), 130 interrupted. `import` also exits 1 when
the import ends Failed or Cancelled, or Completed without every checked record.
"""

from __future__ import annotations

from collections.abc import Sequence

import pinecone_prep as pp

from .commands import COMMANDS, EXIT_BUG, EXIT_DATA, EXIT_INTERRUPTED, EXIT_STORAGE, EXIT_USAGE
from .parser import build_parser
from .render import note, say


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = COMMANDS[args.run](args)
        return code
    except pp.UsageError as exc:
        say("usage error", str(exc))
        return EXIT_USAGE
    except (pp.StorageError, pp.PineconeError) as exc:
        say("error", str(exc))
        return EXIT_STORAGE
    except pp.ValidationError as exc:
        say("invalid", str(exc))
        return EXIT_DATA
    except KeyboardInterrupt:
        note("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: one clear line instead of a traceback
        say(
            "internal error",
            f"{type(exc).__name__}: {exc} (please report this with the command you ran)",
        )
        return EXIT_BUG


__all__ = ["build_parser", "main"]
