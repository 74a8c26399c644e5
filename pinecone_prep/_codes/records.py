"""The catalogue, part 2: records (R) and the target index (P)."""

from __future__ import annotations

from .code import ADDED, DATABASE_LIMITS, IMPORT_RECORDS, INDEXING_OVERVIEW, INFERRED, Code

RECORD_CODES: dict[str, Code] = {
    # 4. Records
    "R001": Code(
        severity="error",
        meaning="record id missing or null (`id`; a document's `_id`)",
        source=IMPORT_RECORDS,
        example="`id` is null",
        fix="Give every record an id.",
    ),
    "R002": Code(
        severity="error",
        meaning="`id` is empty",
        source=DATABASE_LIMITS,
        example="`id` is the empty string",
        fix="Give every record a non-empty id.",
    ),
    "R003": Code(
        severity="error",
        meaning="`id` longer than 512 characters",
        source=DATABASE_LIMITS,
        example="`id` has 513 characters; the maximum is 512",
        fix="Shorten the id, e.g. to a hash of the long key kept in metadata.",
    ),
    "R004": Code(
        severity="error",
        meaning="`id` not ASCII or contains NUL",
        source=DATABASE_LIMITS,
        example="`id` 'café-4' is not ASCII or holds NUL",
        fix="Use ASCII ids; keep the original text in metadata if you need it.",
    ),
    "R005": Code(
        severity="error",
        meaning="duplicate `id` within a namespace",
        source=INFERRED,
        example="duplicate id; first seen at fixtures/cases/R005-file/ns/part-0000.parquet,"
        " row group 0, row 1, column id, id 'rec-0001'",
        fix="Keep one record per id; `pinecone-prep convert` keeps the first and rejects the rest.",
    ),
    "R010": Code(
        severity="error",
        meaning="dense vector missing or null (`values`; a document's dense_vector field)",
        source=IMPORT_RECORDS,
        example="`values` is null",
        fix="Embed the record, or leave it out.",
    ),
    "R011": Code(
        severity="error",
        meaning="`values` length differs from the dimension",
        source=IMPORT_RECORDS,
        example="`values` has 7 numbers; dimension 8 expected",
        fix="Re-embed the record with the index's model; truncated vectors are the usual cause.",
    ),
    "R012": Code(
        severity="error",
        meaning="`values` contains NaN, Inf or null",
        source=INFERRED,
        example="`values` contains NaN, Inf, null, or a number beyond float32",
        fix="Re-embed the record; NaN usually comes from normalising an all-zero vector.",
    ),
    "R013": Code(
        severity="error",
        meaning="`values` is all zeros",
        source=INDEXING_OVERVIEW,
        example="`values` is all zeros",
        fix="Re-embed the record (an empty input text often embeds to zeros), or leave it out.",
    ),
    "R014": Code(
        severity="warning",
        meaning="identical `values` on two records of one import",
        source=IMPORT_RECORDS,
        example="`values` identical to the record at"
        " fixtures/cases/R014/articles/part-0000.parquet, row group 0, row 2, column values,"
        " id 'rec-0002'; Pinecone skips or fails on the second",
        fix="Drop the copy, or check that two different texts did not get the same embedding.",
    ),
    "R020": Code(
        severity="error",
        meaning="`sparse_values` is null in a sparse index",
        source=IMPORT_RECORDS,
        example="`sparse_values` is null",
        fix="Give every record of a sparse index a sparse vector, or leave the record out.",
    ),
    "R021": Code(
        severity="error",
        meaning="sparse indices and values differ in length",
        source=IMPORT_RECORDS,
        example="3 indices but 2 values",
        fix="Write one value per index.",
    ),
    "R022": Code(
        severity="error",
        meaning="sparse vector has no entries",
        source=INDEXING_OVERVIEW,
        example="sparse vector has no entries",
        fix="Leave the record out, or give it at least one non-zero entry.",
    ),
    "R023": Code(
        severity="error",
        meaning="sparse index outside uint32 or null",
        source=IMPORT_RECORDS,
        example="sparse index outside 0..4,294,967,295 (uint32) or null",
        fix="Keep indices in 0..4,294,967,295 (hash larger vocabularies into that range).",
    ),
    "R024": Code(
        severity="error",
        meaning="duplicate index within one sparse vector",
        source=INFERRED,
        example="the same sparse index appears twice",
        fix="Merge the entries of a repeated index (add their values) before writing.",
    ),
    "R025": Code(
        severity="error",
        meaning="too many sparse entries (error > 2048, warning > 1000)",
        source=DATABASE_LIMITS,
        example="2049 sparse entries; the maximum is 2048",
        fix="Keep the largest entries (at most 2048, or 1000 to be safe) and drop the rest.",
    ),
    "R026": Code(
        severity="error",
        meaning="sparse value NaN, Inf or null",
        source=INFERRED,
        example="sparse value is NaN, Inf or null",
        fix="Recompute the sparse vector; drop entries without a finite value.",
    ),
    "R030": Code(
        severity="error",
        meaning="`metadata` is not valid UTF-8 JSON",
        source=IMPORT_RECORDS,
        example="`metadata` is not valid JSON: Unterminated string starting at: line 1 column 11"
        " (char 10)",
        fix="Encode metadata with a JSON library (`json.dumps`), not by string formatting.",
    ),
    "R031": Code(
        severity="error",
        meaning="`metadata` JSON is not an object",
        source=IMPORT_RECORDS,
        example="`metadata` must be a JSON object, found list",
        fix='Wrap the value in an object: `{"tags": [...]}` instead of `[...]`.',
    ),
    "R032": Code(
        severity="error",
        meaning="metadata too large: `metadata` over 40,960 bytes; a document's metadata fields"
        " over 40,000 bytes",
        source=DATABASE_LIMITS,
        example="`metadata` is 40,961 bytes; the maximum is 40,960",
        fix="Keep long text elsewhere (your own store, keyed by the id) and only filterable"
        " fields in metadata.",
    ),
    "R033": Code(
        severity="error",
        meaning="nested object as a metadata value",
        source=INDEXING_OVERVIEW,
        example="metadata key 'a' holds a nested object",
        fix='Flatten nested objects into top-level keys (`{"a_b": 1}` for `{"a": {"b": 1}}`).',
    ),
    "R034": Code(
        severity="error",
        meaning="null as a metadata value",
        source=INDEXING_OVERVIEW,
        example="metadata key 'a' is null (remove the key instead)",
        fix="Leave the key out; `pinecone-prep convert` drops null values for you.",
    ),
    "R035": Code(
        severity="error",
        meaning="list metadata value holding non-strings",
        source=INDEXING_OVERVIEW,
        example="metadata key 'tags' holds a list with non-string items",
        fix="Write lists of strings only (convert numbers to text, or keep one number per key).",
    ),
    "R036": Code(
        severity="error",
        meaning="metadata key starts with `$`",
        source=INDEXING_OVERVIEW,
        example="metadata key '$x' starts with `$`",
        fix="Rename the key; `$` starts Pinecone's filter operators.",
    ),
    "R037": Code(
        severity="warning",
        meaning="integer metadata value beyond +-2^53",
        source=INFERRED,
        example="metadata key 'n' holds 1152921504606846976, beyond +-2^53 (float64)",
        fix="Store large integers (ids, hashes) as strings so they keep every digit.",
    ),
    "R038": Code(
        severity="error",
        meaning="NaN or Infinity inside metadata JSON",
        source=INFERRED,
        example="`metadata` holds NaN, Infinity or a number beyond float64 (not valid JSON)",
        fix="Drop the key or replace the value before encoding; JSON has no NaN.",
    ),
    # 5. Index preflight: the docs name these checks, pinecone-prep gives them codes
    "P001": Code(
        severity="error",
        meaning="pod index: only serverless indexes can import",
        source=ADDED,
        example="index 'docs' is a pod index; only serverless can import",
        fix="Import into a serverless index.",
    ),
    "P002": Code(
        severity="error",
        meaning="integrated-embedding index: Pinecone refuses imports into it",
        source=ADDED,
        example="index 'docs' has integrated embedding; Pinecone refuses imports into an index"
        " that embeds for itself (start_import answers 400)",
        fix="Import into an index without integrated embedding, or upsert the text records"
        " instead.",
    ),
    "P003": Code(
        severity="error",
        meaning="document index: it imports JSON Lines, not Parquet",
        source=ADDED,
        example="index 'docs' is a document index; Pinecone imports JSON Lines documents into"
        " it, not Parquet (only a legacy vector index imports Parquet)",
        fix="Import into a vector index, or write JSON Lines files for the document index.",
    ),
    "P004": Code(
        severity="error",
        meaning="legacy index: it imports Parquet, not JSON Lines",
        source=ADDED,
        example="index 'docs' is a legacy vector index; Pinecone imports Parquet into it, not"
        " JSON Lines (only a document index imports JSON Lines)",
        fix="Import into a document index, or write Parquet files for the legacy index"
        " (`pinecone-prep convert --index NAME` picks the format from the index).",
    ),
}
