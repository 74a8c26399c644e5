"""The catalogue, part 1: layout of a prefix (L), limits per request (M), files (F), schema (S)."""

from __future__ import annotations

from .code import ADDED, DATABASE_LIMITS, IMPORT_RECORDS, INFERRED, Code

LAYOUT_CODES: dict[str, Code] = {
    # 1. Layout of an import prefix
    "L001": Code(
        severity="error",
        meaning="URI names an import file (.parquet, .jsonl) instead of a prefix",
        source=IMPORT_RECORDS,
        example="the URI names a .parquet object; give the prefix that holds the namespace"
        " folders instead",
        fix="Pass the folder above the namespace folders (`s3://bucket/imports`), not a file.",
    ),
    "L002": Code(
        severity="error",
        meaning="no import file under the URI (.parquet; .jsonl or .jsonl.gz for a document index)",
        source=IMPORT_RECORDS,
        example="no .parquet object under the URI ('No Parquet files found')",
        fix="Check the URI for typos; Pinecone imports only objects whose names end in `.parquet`.",
    ),
    "L003": Code(
        severity="error",
        meaning="import file directly under the URI, outside any namespace folder",
        source=IMPORT_RECORDS,
        example="Parquet object sits directly under the URI, outside any namespace folder"
        " (Pinecone: 'No namespace detected')",
        fix="Move the file into a namespace folder, e.g. `URI/__default__/` for the default"
        " namespace.",
    ),
    "L004": Code(
        severity="warning",
        meaning="import file nested deeper than one folder below the URI",
        source=INFERRED,
        example="Parquet object is nested 1 folder(s) below namespace 'ns'; Pinecone's handling"
        " of nesting is undocumented",
        fix="Put the files directly in their namespace folder: `URI/NAMESPACE/part-0.parquet`.",
    ),
    "L005": Code(
        severity="error",
        meaning="namespace folder name invalid (empty, > 512 chars, non-ASCII, NUL)",
        source=DATABASE_LIMITS,
        example="namespace name 'naïve' is not ASCII",
        fix="Rename the folder to 1-512 ASCII characters without NUL.",
    ),
    "L006": Code(
        severity="info",
        meaning="objects that are not import files, ignored by Pinecone",
        source=IMPORT_RECORDS,
        example="1 non-.parquet object(s) in the URI itself will be ignored by Pinecone",
        fix="Nothing to do if they are logs or markers; rename data files to end in `.parquet`.",
    ),
    "L007": Code(
        severity="error",
        meaning="target namespace already exists in the index",
        source=IMPORT_RECORDS,
        example="namespace 'articles' already exists in index 'docs' (1,200 records); import"
        " only creates new namespaces",
        fix="Rename the namespace folder, or delete the namespace from the index first;"
        " an import cannot add records to an existing namespace.",
    ),
    "L008": Code(
        severity="error",
        meaning="namespace has no records at all",
        source=IMPORT_RECORDS,
        example="namespace has no records at all; Pinecone fails with 'No vectors added, all"
        " rows were skipped'",
        fix="Remove the empty namespace folder, or write its records.",
    ),
    "L009": Code(
        severity="warning",
        meaning="URI scheme start_import cannot use (fine for a dry run)",
        source=IMPORT_RECORDS,
        example="scheme 'file' is fine for a dry run, but start_import needs s3://, gs:// or an"
        " Azure https:// URL",
        fix="Upload the prefix to S3, GCS or Azure Blob storage and check it there before"
        " importing.",
    ),
    "L010": Code(
        severity="error",
        meaning="source storage and index cloud do not match (an s3:// source needs an AWS index)",
        source=IMPORT_RECORDS,
        example="an s3:// source needs an AWS index; index 'docs' is on gcp",
        fix="Import into an index on AWS, or copy the files to GCS or Azure Blob storage,"
        " which work with every cloud.",
    ),
    # 2. Limits per import request
    "M001": Code(
        severity="error",
        meaning="too many namespaces in one import",
        source=IMPORT_RECORDS,
        example="101 namespaces; the 2024 limit is 100 (pinecone-prep plan --materialize DEST"
        " splits them into several imports)",
        fix="Split the prefix into several requests: `pinecone-prep plan URI --materialize DEST`.",
    ),
    "M002": Code(
        severity="error",
        meaning="too many records in one import",
        source=IMPORT_RECORDS,
        example="120,000,000 records; the 2024 limit is 100,000,000",
        fix="Split the prefix into several requests: `pinecone-prep plan URI --materialize DEST`.",
    ),
    "M003": Code(
        severity="error",
        meaning="too many bytes in one import",
        source=IMPORT_RECORDS,
        example="1.24 TB in import files; the 2024 limit is 1 TB (decimal units)",
        fix="Split the prefix into several requests: `pinecone-prep plan URI --materialize DEST`.",
    ),
    "M004": Code(
        severity="error",
        meaning="file larger than the per-file limit",
        source=DATABASE_LIMITS,
        example="file is 12.4 GB; the 2024 limit is 10 GB (decimal units)",
        fix="Rewrite the file into smaller ones (`pinecone-prep convert` writes 128 MiB files).",
    ),
    "M005": Code(
        severity="error",
        meaning="too many files in one import",
        source=DATABASE_LIMITS,
        example="100,001 files; the 2024 limit is 100,000",
        fix="Rewrite into fewer, larger files (`pinecone-prep convert`), or split the prefix"
        " with `pinecone-prep plan --materialize`.",
    ),
    "M006": Code(
        severity="error",
        meaning="too many bytes in one namespace",
        source=DATABASE_LIMITS,
        example="namespace holds 612 GB; the 2026 limit is 500 GB (decimal units)",
        fix="Spread the records over several namespaces; a namespace cannot be split across"
        " imports.",
    ),
    # 3. Files and schema
    "F001": Code(
        severity="error",
        meaning="object cannot be read: not Parquet, broken gzip (or, for convert, an unparsable"
        " input)",
        source=IMPORT_RECORDS,
        example="not readable Parquet (0 bytes): Parquet file size is 0 bytes",
        fix="Write the file again (an interrupted upload is the usual cause), or remove it.",
    ),
    "F002": Code(
        severity="warning",
        meaning="file has zero rows",
        source=INFERRED,
        example="file has zero rows",
        fix="Remove the empty file.",
    ),
    "F003": Code(
        severity="error",
        meaning="files disagree on kind or dimension",
        source=INFERRED,
        example="file has dimension 16 but the namespace's first vector has 8",
        fix="Keep one embedding model per namespace: move the odd files to their own namespace"
        " or re-embed them.",
    ),
    "F004": Code(
        severity="error",
        meaning="import root differs from its pinecone-prep manifest",
        source=ADDED,
        example="2,794 bytes, the manifest says 2,795: changed after writing",
        fix="Re-run the `convert` or `write` that made the root (it completes an unfinished"
        " write), or remove files that do not belong.",
    ),
    "S001": Code(
        severity="error",
        meaning="missing required column `id`",
        source=IMPORT_RECORDS,
        example="required column `id` is missing",
        fix="Add a string column named `id` (or pass `--id-column` to `pinecone-prep convert`).",
    ),
    "S002": Code(
        severity="error",
        meaning="`id` is not a string column",
        source=IMPORT_RECORDS,
        example="`id` must be a string column, found int64",
        fix="Cast the ids to text before writing; `pinecone-prep convert` writes integers as"
        " decimal text.",
    ),
    "S003": Code(
        severity="error",
        meaning="no vector column (`values` or `sparse_values`)",
        source=IMPORT_RECORDS,
        example="no vector column: expected `values` and/or `sparse_values`",
        fix="Name the vector column `values` (dense) or `sparse_values` (sparse).",
    ),
    "S004": Code(
        severity="error",
        meaning="`values` is not a list of floats",
        source=IMPORT_RECORDS,
        example="`values` must be a list of float32 (or float64), found list<element: string>",
        fix="Write `values` as list<float32>; float16 and strings are not accepted.",
    ),
    "S005": Code(
        severity="warning",
        meaning="`values` holds float64 (Pinecone stores float32)",
        source=INFERRED,
        example="`values` holds float64; Pinecone narrows it to float32 (write float32)",
        fix="Cast the vectors to float32 before writing: half the bytes, the same index.",
    ),
    "S006": Code(
        severity="error",
        meaning="`sparse_values` is not struct<indices: list<int>, values: list<float>>",
        source=IMPORT_RECORDS,
        example="`sparse_values` must be struct<indices: list<uint32>, values: list<float32>>,"
        " found map<uint32, float ('sparse_values')>",
        fix="Write `sparse_values` as a struct of two lists, `indices` and `values`.",
    ),
    "S007": Code(
        severity="warning",
        meaning="`sparse_values.indices` is not uint32",
        source=IMPORT_RECORDS,
        example="`sparse_values.indices` is int64; Pinecone expects uint32",
        fix="Cast the indices to uint32.",
    ),
    "S008": Code(
        severity="error",
        meaning="`metadata` is not a string column",
        source=IMPORT_RECORDS,
        example="`metadata` must be a JSON-encoded string column, found struct<title: string,"
        " year: int64>",
        fix="Encode each row's metadata as JSON text; `pinecone-prep convert` does it for dict,"
        " struct and map columns.",
    ),
    "S009": Code(
        severity="error",
        meaning="extra column",
        source=IMPORT_RECORDS,
        example="extra column `text` is not allowed",
        fix="Drop the column or move it into `metadata`; `--extra-columns warn` accepts it.",
    ),
    "S010": Code(
        severity="error",
        meaning="vector columns conflict with the index kind",
        source=IMPORT_RECORDS,
        example="`values` column present but the index is sparse",
        fix="Write `values` for a dense index and `sparse_values` for a sparse one.",
    ),
    "S011": Code(
        severity="warning",
        meaning="sparse values on a dense index whose metric is not dotproduct",
        source=IMPORT_RECORDS,
        example="sparse values on a dense index with metric 'cosine': upserts work but queries"
        " fail (hybrid needs dotproduct)",
        fix="Import hybrid records into a dense index with the dotproduct metric, or drop"
        " `sparse_values`.",
    ),
    "S012": Code(
        severity="error",
        meaning="dimension differs from the expected one, or exceeds 20,000",
        source=DATABASE_LIMITS,
        example="dimension 8 (every vector) but 16 expected",
        fix="Embed with the model the index was created for, or create an index with this"
        " dimension.",
    ),
}
