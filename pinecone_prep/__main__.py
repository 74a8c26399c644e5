"""`python -m pinecone_prep` and the `pinecone-prep` script. A Ctrl-C while the command line is
still being imported ends it as one later does: "interrupted", exit code 130, no traceback."""

import sys

from ._argv import wants_json

INTERRUPTED = 130


def run() -> None:
    try:
        from ._cli import main
    except KeyboardInterrupt:
        if wants_json(sys.argv[1:]):
            import json

            error = {"kind": "interrupted", "message": "interrupted", "exit_code": INTERRUPTED}
            sys.stdout.write(json.dumps({"error": error}) + "\n")
        sys.stderr.write("interrupted\n")
        sys.exit(INTERRUPTED)
    sys.exit(main())


if __name__ == "__main__":
    run()
