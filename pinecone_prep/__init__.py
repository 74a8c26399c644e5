"""pinecone-prep: make Pinecone bulk imports work the first time.

Check every row of an import prefix (`check`), plan import requests within Pinecone's limits,
write compliant Parquet files, and start the import once it is clean (`start_import`). Data
problems are `Finding`s in a `Report`; exceptions are for misuse and I/O only (see
`pinecone_prep._errors` for the tree).
"""

from ._checker import check, is_valid, iter_findings
from ._codes import CODES
from ._errors import PineconeError, PrepError, StorageError, UsageError, ValidationError
from ._index import IndexDescription
from ._limits import Limits
from ._pinecone.imports import (
    ImportOutcome,
    ImportState,
    cancel_import,
    describe_import,
    describe_index,
    list_imports,
    preflight,
    start_import,
)
from ._planner import ImportPlan, ImportRequest, materialize, plan
from ._report import Finding, Location, Report
from ._writer import WriteResult, write

__all__ = [
    "CODES",
    "Finding",
    "ImportOutcome",
    "ImportPlan",
    "ImportRequest",
    "ImportState",
    "IndexDescription",
    "Limits",
    "Location",
    "PineconeError",
    "PrepError",
    "Report",
    "StorageError",
    "UsageError",
    "ValidationError",
    "WriteResult",
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
    "start_import",
    "write",
]
__version__ = "0.1.0"
