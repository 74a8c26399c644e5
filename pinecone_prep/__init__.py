"""pinecone-prep: make Pinecone bulk imports work the first time.

Check every row of an import prefix (`check`), plan import requests within Pinecone's limits,
and write compliant Parquet files. Data problems are `Finding`s in a `Report`; exceptions are
for misuse and I/O only (see `pinecone_prep._errors` for the tree).
"""

from ._checker import check, is_valid, iter_findings
from ._codes import CODES
from ._errors import PineconeError, PrepError, StorageError, UsageError, ValidationError
from ._index import IndexDescription
from ._limits import Limits
from ._planner import ImportPlan, ImportRequest, materialize, plan
from ._report import Finding, Location, Report

__all__ = [
    "CODES",
    "Finding",
    "ImportPlan",
    "ImportRequest",
    "IndexDescription",
    "Limits",
    "Location",
    "PineconeError",
    "PrepError",
    "Report",
    "StorageError",
    "UsageError",
    "ValidationError",
    "__version__",
    "check",
    "is_valid",
    "iter_findings",
    "materialize",
    "plan",
]
__version__ = "0.1.0"
