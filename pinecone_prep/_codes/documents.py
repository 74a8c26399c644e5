"""The catalogue, part 3: document imports (D), the JSON Lines files of a document index.

Rules a document shares with a Parquet record keep their R code (`_id` R001-R005, the dense
field R010-R013, the sparse field R021-R026, metadata values R032-R038); the codes here are
the rules only JSON Lines has."""

from __future__ import annotations

from .code import ADDED, DATABASE_LIMITS, FULL_TEXT_SEARCH, INFERRED, Code

DOCUMENT_CODES: dict[str, Code] = {
    # 7. Document imports (JSON Lines)
    "D001": Code(
        severity="error",
        meaning="line is not valid JSON (or not UTF-8)",
        source=FULL_TEXT_SEARCH,
        example="line is not valid JSON: unexpected end of data (at character 38)",
        fix="Write each document with a JSON library (`json.dumps(doc, allow_nan=False)`),"
        " one per line; `pinecone-prep convert --file-format jsonl` does it for you.",
    ),
    "D002": Code(
        severity="error",
        meaning="line is JSON but not an object",
        source=FULL_TEXT_SEARCH,
        example="line holds a JSON array, not an object (one document per line)",
        fix='Write one object per line: `{"_id": "doc1", ...}`, not a list of documents.',
    ),
    "D003": Code(
        severity="error",
        meaning="blank line",
        source=INFERRED,
        example="blank line (JSON Lines has one JSON value on every line)",
        fix="Remove the empty lines.",
    ),
    "D004": Code(
        severity="error",
        meaning="file starts with a byte order mark",
        source=INFERRED,
        example="the file starts with a byte order mark (U+FEFF), which JSON Lines forbids",
        fix="Write UTF-8 without a BOM (Python: `encoding='utf-8'`, not 'utf-8-sig').",
    ),
    "D005": Code(
        severity="error",
        meaning="line ends with CR LF",
        source=INFERRED,
        example="line ends with a carriage return (CR LF line ending)",
        fix="Write `\\n` line endings (open files with `newline='\\n'` on Windows).",
    ),
    "D006": Code(
        severity="warning",
        meaning="no newline after the last line",
        source=INFERRED,
        example="the last line has no newline at its end",
        fix="End every line, the last one included, with `\\n`.",
    ),
    "D007": Code(
        severity="error",
        meaning="a key appears twice in one document",
        source=INFERRED,
        example="key 'title' appears 2 times in the document",
        fix="Keep one value per key; a metadata key must not repeat a schema field's name.",
    ),
    "D008": Code(
        severity="error",
        meaning="key starts with `_` (reserved; only `_id` is allowed)",
        source=FULL_TEXT_SEARCH,
        example="key '_score' starts with `_`, which Pinecone reserves (only `_id` may)",
        fix="Rename the key (`score` instead of `_score`).",
    ),
    "D009": Code(
        severity="error",
        meaning="key empty or longer than 64 bytes",
        source=FULL_TEXT_SEARCH,
        example="key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...' has 65"
        " bytes; the maximum is 64",
        fix="Shorten the key to at most 64 bytes of UTF-8.",
    ),
    "D010": Code(
        severity="error",
        meaning="value of the wrong JSON type for its field (`_id`, a schema field, a metadata"
        " field the schema declares)",
        source=FULL_TEXT_SEARCH,
        example="`body` must be a string (schema: full-text string), found number",
        fix="Write each schema field as its type: dense_vector an array of numbers,"
        ' sparse_vector `{"indices": [...], "values": [...]}`, string a string; `_id` a string.',
    ),
    "D011": Code(
        severity="error",
        meaning="document holds no field of the schema",
        source=ADDED,
        example="the document holds no schema field (only `_id` and metadata); it needs one of"
        " 'body', 'keywords'",
        fix="Give every document at least one of the index's vector or full-text fields.",
    ),
    "D012": Code(
        severity="error",
        meaning="document over 2,000,000 bytes",
        source=DATABASE_LIMITS,
        example="line is 2,000,001 bytes; a document is at most 2,000,000",
        fix="Split long text over several documents (chunks), each with its own `_id`.",
    ),
    "D013": Code(
        severity="error",
        meaning="full-text field over 100,000 bytes",
        source=DATABASE_LIMITS,
        example="`body` is 100,001 bytes of UTF-8; a full-text field holds at most 100,000",
        fix="Split the text over several documents (chunks), each with its own `_id`.",
    ),
    "D014": Code(
        severity="warning",
        meaning="object looks like JSON Lines but Pinecone does not read its name",
        source=INFERRED,
        example="'part-0001.JSONL' looks like JSON Lines, but Pinecone imports only names"
        " ending in .jsonl or .jsonl.gz",
        fix="Rename the file to end in `.jsonl` (or `.jsonl.gz` when gzip-compressed).",
    ),
    "D015": Code(
        severity="error",
        meaning="gzip file of several members",
        source=INFERRED,
        example="the gzip file holds 2 members (concatenated streams); a reader that stops"
        " after the first would miss the rest",
        fix="Compress the whole file in one stream (`gzip file.jsonl`, not `cat a.gz b.gz`).",
    ),
}
