"""The rules: pure functions over Arrow / numpy / plain values, one module per code family.

A rule returns `Issue`s (a problem with no rows: a schema, a file, a layout) or `Hit`s (the rows
of one batch that break a record rule). Rules do no I/O, build no `Finding` and never raise on
bad data; `pinecone_prep._report.Collector` turns their results into findings with locations.

    layout.py    L001-L006, L009 and namespace names     files.py     F002-F004, L008
    schema.py    S001-S012                               records.py   R001-R026
    metadata.py  R030-R038                               limits.py    M001-M006
    documents.py a document against its schema (D, and the R codes documents share)
    lines.py     a JSON line as text (D001 numbers, D007)  blocks.py  a block of documents
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .._codes import Severity

Rows = npt.NDArray[np.int64]  # ascending row indices into one batch


@dataclass(frozen=True)
class Issue:
    """A rule broken by something that has no rows. `key` is the object (relative to the
    prefix; "" the prefix itself) and `namespace` the namespace, when the rule knows them;
    otherwise the caller says where."""

    code: str
    message: str
    key: str | None = None
    namespace: str | None = None
    column: str | None = None
    severity: Severity | None = None  # None: the catalogue's
    row_group: int | None = None  # for a problem of one row group (F001)


@dataclass(frozen=True)
class Hit:
    """One record rule broken by `rows` of `column` in one batch; `describe(row)` words it."""

    code: str
    column: str
    rows: Rows
    describe: Callable[[int], str]
    severity: Severity | None = None


Problems = Mapping[int, tuple[str, str]]  # {row: (code, message)} from the per-row paths


def problem_hits(problems: Problems, column: str) -> list[Hit]:
    """Per-row problems (as the per-row paths find them) as hits, one per code."""
    by_code: dict[str, list[int]] = {}
    for row, (code, _) in problems.items():
        by_code.setdefault(code, []).append(row)
    return [
        Hit(code, column, np.asarray(rows, np.int64), lambda i: problems[i][1])
        for code, rows in sorted(by_code.items())
    ]
