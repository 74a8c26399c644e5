"""Exceptions. Data problems are never exceptions: they are `Finding` values in a `Report`.

Exceptions are for misuse and for I/O only::

    PrepError                 base of everything pinecone-prep raises on purpose
    ├── UsageError            a bad argument (unknown kind, negative dimension, ...); CLI exit 2
    ├── StorageError          the store could not be listed, read or written; CLI exit 3
    ├── PineconeError         the Pinecone API refused or failed (auth, missing index); CLI exit 3
    └── ValidationError       the data has errors; carries the report; CLI exit 1
        └── RowsRejected  `write(on_invalid="error")` rejected rows; nothing was published
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for the annotation only: _report imports this module
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
    """The data has errors; `report` (a `Report`) holds every finding."""

    def __init__(self, message: str, *, report: Report[Any]) -> None:
        super().__init__(message)
        self.report = report
