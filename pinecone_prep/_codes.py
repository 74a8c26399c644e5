"""The rule catalogue: every public code with its default severity and a one-line meaning.

Codes are the public contract (see RULES.md in the spec): never renumbered, never reused.
"""

from __future__ import annotations

from typing import Literal

Severity = Literal["error", "warning", "info"]

CODES: dict[str, tuple[Severity, str]] = {
    # 1. Layout of an import prefix
    "L001": ("error", "URI names a .parquet object instead of a prefix"),
    "L002": ("error", "no .parquet object under the URI"),
    "L003": ("error", ".parquet object directly under the URI, outside any namespace folder"),
    "L004": ("warning", ".parquet object nested deeper than one folder below the URI"),
    "L005": ("error", "namespace folder name invalid (empty, > 512 chars, non-ASCII, NUL)"),
    "L006": ("info", "non-.parquet objects ignored by Pinecone"),
    "L007": ("error", "target namespace already exists in the index"),
    "L008": ("error", "namespace has no records at all"),
    "L009": ("warning", "URI scheme start_import cannot use (fine for a dry run)"),
    "L010": ("error", "storage / index cloud pair unsupported"),
    # 2. Limits per import request
    "M001": ("error", "too many namespaces in one import"),
    "M002": ("error", "too many records in one import"),
    "M003": ("error", "too many bytes in one import"),
    "M004": ("error", "file larger than the per-file limit"),
    "M005": ("error", "too many files in one import"),
    "M006": ("error", "too many bytes in one namespace"),
    # 3. Files and schema
    "F001": ("error", "object is not readable Parquet (or, for convert, an unparsable input)"),
    "F002": ("warning", "file has zero rows"),
    "F003": ("error", "files disagree on kind or dimension"),
    # Added by pinecone-prep (not in RULES.md): the writer's manifest compared with the root.
    "F004": ("error", "import root differs from its pinecone-prep manifest"),
    "S001": ("error", "missing required column `id`"),
    "S002": ("error", "`id` is not a string column"),
    "S003": ("error", "no vector column (`values` or `sparse_values`)"),
    "S004": ("error", "`values` is not a list of floats"),
    "S005": ("warning", "`values` holds float64 (Pinecone stores float32)"),
    "S006": ("error", "`sparse_values` is not struct<indices: list<int>, values: list<float>>"),
    "S007": ("warning", "`sparse_values.indices` is not uint32"),
    "S008": ("error", "`metadata` is not a string column"),
    "S009": ("error", "extra column"),
    "S010": ("error", "vector columns conflict with the index kind"),
    "S011": ("warning", "sparse values on a dense index whose metric is not dotproduct"),
    "S012": ("error", "dimension differs from the expected one, or exceeds 20,000"),
    # 4. Records
    "R001": ("error", "`id` is null"),
    "R002": ("error", "`id` is empty"),
    "R003": ("error", "`id` longer than 512 characters"),
    "R004": ("error", "`id` not ASCII or contains NUL"),
    "R005": ("error", "duplicate `id` within a namespace"),
    "R010": ("error", "`values` is null"),
    "R011": ("error", "`values` length differs from the dimension"),
    "R012": ("error", "`values` contains NaN, Inf or null"),
    "R013": ("error", "`values` is all zeros"),
    "R014": ("warning", "identical `values` on two records of one import"),
    "R020": ("error", "`sparse_values` is null in a sparse index"),
    "R021": ("error", "sparse indices and values differ in length"),
    "R022": ("error", "sparse vector has no entries"),
    "R023": ("error", "sparse index outside uint32 or null"),
    "R024": ("error", "duplicate index within one sparse vector"),
    "R025": ("error", "too many sparse entries (error > 2048, warning > 1000)"),
    "R026": ("error", "sparse value NaN, Inf or null"),
    "R030": ("error", "`metadata` is not valid UTF-8 JSON"),
    "R031": ("error", "`metadata` JSON is not an object"),
    "R032": ("error", "`metadata` over 40,960 bytes"),
    "R033": ("error", "nested object as a metadata value"),
    "R034": ("error", "null as a metadata value"),
    "R035": ("error", "list metadata value holding non-strings"),
    "R036": ("error", "metadata key starts with `$`"),
    "R037": ("warning", "integer metadata value beyond +-2^53"),
    "R038": ("error", "NaN or Infinity inside metadata JSON"),
    # 5. Index preflight (codes added by pinecone-prep: the spec names these checks, no codes)
    "P001": ("error", "pod index: only serverless indexes can import"),
    "P002": ("error", "integrated-embedding index: Pinecone refuses imports into it"),
    "P003": ("error", "document index: it imports JSON Lines, not Parquet"),
}


def severity_of(code: str) -> Severity:
    return CODES[code][0]
