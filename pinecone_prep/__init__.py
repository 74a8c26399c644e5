"""pinecone-prep: make Pinecone bulk imports work the first time.

Check every row of an import prefix (`check`), plan import requests within Pinecone's limits,
write compliant Parquet files (or JSON Lines for a document index: `DocumentSchema`), and start
the import once it is clean (`start_import`). Data problems are `Finding`s in a `Report`;
exceptions are for misuse and I/O only (see `pinecone_prep._errors` for the tree).

Names are imported on first use (PEP 562), so `import pinecone_prep` and the command line start
fast: the writer (polars) and the SDK load only when used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._codes import CODES, Code
from ._errors import PineconeError, PrepError, StorageError, UsageError, ValidationError

if TYPE_CHECKING:
    from ._check.api import check, is_valid, iter_findings
    from ._index import IndexDescription
    from ._limits import Limits
    from ._pinecone.imports import (
        ImportOutcome,
        ImportStartError,
        ImportState,
        ImportValidation,
        cancel_import,
        describe_import,
        describe_index,
        list_imports,
        preflight,
        start_import,
    )
    from ._plan import ImportPlan, ImportRequest, materialize, plan
    from ._report import Finding, Location, Report, Summary
    from ._schema import DocumentSchema
    from ._write.api import publish, stage, write
    from ._write.model import RejectedRow, RowsRejected, StagedPart, WriteResult, WrittenFile

# Where each lazily imported name lives.
_HOMES = {
    "check": "._check.api",
    "is_valid": "._check.api",
    "iter_findings": "._check.api",
    "IndexDescription": "._index",
    "Limits": "._limits",
    "ImportOutcome": "._pinecone.imports",
    "ImportStartError": "._pinecone.imports",
    "ImportState": "._pinecone.imports",
    "ImportValidation": "._pinecone.imports",
    "cancel_import": "._pinecone.imports",
    "describe_import": "._pinecone.imports",
    "describe_index": "._pinecone.imports",
    "list_imports": "._pinecone.imports",
    "preflight": "._pinecone.imports",
    "start_import": "._pinecone.imports",
    "ImportPlan": "._plan",
    "ImportRequest": "._plan",
    "materialize": "._plan",
    "plan": "._plan",
    "Finding": "._report",
    "Location": "._report",
    "Report": "._report",
    "RejectedRow": "._write.model",
    "RowsRejected": "._write.model",
    "StagedPart": "._write.model",
    "WriteResult": "._write.model",
    "WrittenFile": "._write.model",
    "publish": "._write.api",
    "stage": "._write.api",
    "write": "._write.api",
    "Summary": "._report",
    "DocumentSchema": "._schema",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value  # the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "CODES",
    "Code",
    "DocumentSchema",
    "Finding",
    "ImportOutcome",
    "ImportPlan",
    "ImportRequest",
    "ImportStartError",
    "ImportState",
    "ImportValidation",
    "IndexDescription",
    "Limits",
    "Location",
    "PineconeError",
    "PrepError",
    "RejectedRow",
    "Report",
    "RowsRejected",
    "StagedPart",
    "StorageError",
    "Summary",
    "UsageError",
    "ValidationError",
    "WriteResult",
    "WrittenFile",
    "__version__",
    "cancel_import",
    "check",
    "describe_import",
    "describe_index",
    "is_valid",
    "iter_findings",
    "list_imports",
    "materialize",
    "plan",
    "preflight",
    "publish",
    "stage",
    "start_import",
    "write",
]
__version__ = "0.1.0"
