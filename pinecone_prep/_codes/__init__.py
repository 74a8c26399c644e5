"""The rule catalogue: every public code with its severity, meaning, source, example and fix.

Codes are the public contract: never renumbered, never reused. docs/rules.md is generated from
this catalogue (`pinecone-prep rules --format markdown`).
"""

from __future__ import annotations

from .code import Code, Severity
from .documents import DOCUMENT_CODES
from .layout import LAYOUT_CODES
from .records import RECORD_CODES

CODES: dict[str, Code] = {**LAYOUT_CODES, **RECORD_CODES, **DOCUMENT_CODES}


def severity_of(code: str) -> Severity:
    return CODES[code].severity


__all__ = ["CODES", "Code", "Severity", "severity_of"]
