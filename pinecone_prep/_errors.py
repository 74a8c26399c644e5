"""Exceptions. Data problems are never exceptions: they are `Finding` values in a `Report`.

Exceptions are for misuse and for I/O only::

    PrepError                 base of everything pinecone-prep raises on purpose
    ├── UsageError            a bad argument (unknown kind, negative dimension, ...); CLI exit 2
    ├── StorageError          the store could not be listed, read or written; CLI exit 3
    ├── PineconeError         the Pinecone API refused or failed (auth, missing index); CLI exit 3
    └── ValidationError       raised by `Report.raise_for_errors()`; carries the report; CLI exit 1
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._report import Report


class PrepError(Exception):
    """Base class of every exception pinecone-prep raises on purpose."""


class UsageError(PrepError, ValueError):
    """An argument is invalid: the call, not the data, is wrong."""


class StorageError(PrepError, OSError):
    """Listing, reading or writing the store failed."""


class PineconeError(PrepError):
    """The Pinecone API refused a request or is unreachable."""


class ValidationError(PrepError):
    """The data has errors; `report` holds every finding."""

    def __init__(self, report: Report) -> None:
        self.report = report
        errors = report.summary["by_severity"].get("error", 0)
        codes = ", ".join(
            code
            for code, n in report.summary["by_code"].items()
            if n and code in report.error_codes
        )
        super().__init__(f"{errors} error(s) in {report.summary['uri']}: {codes}")
