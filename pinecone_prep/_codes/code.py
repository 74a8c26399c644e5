"""What the catalogue says about one rule code (the catalogue itself is `_codes.CODES`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]

# Where a rule comes from: a Pinecone documentation page, pinecone-prep's own addition (a check
# the docs imply but give no code), or an inference where the docs are silent (our policy).
IMPORT_RECORDS = "Pinecone docs: Import records"
DATABASE_LIMITS = "Pinecone docs: Database limits"
INDEXING_OVERVIEW = "Pinecone docs: Indexing overview"
FULL_TEXT_SEARCH = "Pinecone docs: Full-text search"  # its "Bulk import" section: JSON Lines
ADDED = "pinecone-prep adds"
INFERRED = "inferred"


@dataclass(frozen=True, kw_only=True)
class Code:
    """One rule code: its default severity, a one-line meaning, where the rule comes from, a
    message the tool really prints for it, and how to fix the data."""

    severity: Severity
    meaning: str
    source: str
    example: str
    fix: str
