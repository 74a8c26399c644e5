"""The import format Pinecone reads, as constants: column names and types, the prefix layout,
and the per-record limits. Everything that names a part of the format imports it from here."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

# --- the prefix -------------------------------------------------------------------------------
PARQUET = ".parquet"
DEFAULT_NAMESPACE = "__default__"
MAX_NAMESPACE_CHARS = 512
# Reserved for the writer's own objects under an import root (never `.parquet`: Pinecone
# ignores them).
RESERVED_PREFIX = "_pinecone_prep"
MANIFEST_KEY = f"{RESERVED_PREFIX}_manifest.json"
TMP_PREFIX = f"{RESERVED_PREFIX}_tmp"

# --- the columns ------------------------------------------------------------------------------
COLUMNS = ("id", "values", "sparse_values", "metadata")
VALUES_TYPE = pa.list_(pa.float32())
SPARSE_TYPE = pa.struct([("indices", pa.list_(pa.uint32())), ("values", pa.list_(pa.float32()))])
# Sparse vectors before the rules: indices stay wide so that out-of-range ones can be reported.
RAW_SPARSE_TYPE = pa.struct([("indices", pa.list_(pa.int64())), ("values", pa.list_(pa.float32()))])

# --- the records ------------------------------------------------------------------------------
MAX_ID_CHARS = 512
MAX_DENSE_DIMENSION = 20_000
MAX_SPARSE_ENTRIES = 2048
WARN_SPARSE_ENTRIES = 1000
MAX_METADATA_BYTES = 40_960
MAX_SAFE_INT = 2**53
UINT32_MAX = 2**32 - 1
FLOAT32_MAX = float(np.finfo(np.float32).max)

# --- document imports (JSON Lines, API 2026-07) ---------------------------------------------
JSONL = ".jsonl"
JSONL_GZ = ".jsonl.gz"
ID_KEY = "_id"
# Where the docs give kilobytes or megabytes without saying which, the strict (decimal) reading.
MAX_DOCUMENT_BYTES = 2_000_000  # one line, as stored
MAX_DOCUMENT_METADATA_BYTES = 40_000  # the fields outside the schema, as compact JSON
MAX_TEXT_FIELD_BYTES = 100_000  # one full-text field's value, UTF-8
MAX_FIELD_NAME_BYTES = 64
MAX_FULL_TEXT_FIELDS = 100
GZ_SIZE_FACTOR = 10  # a .jsonl.gz file counts at 10x its size against the size limits
