"""What the rule tests share: tiny Arrow arrays and the codes/rows of rule results."""

from __future__ import annotations

import pyarrow as pa

from pinecone_prep._rules import Hit, Issue

F32 = pa.float32()
SPARSE = pa.struct([("indices", pa.list_(pa.uint32())), ("values", pa.list_(F32))])


def rows_of(hits: list[Hit]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for hit in hits:
        out.setdefault(hit.code, []).extend(hit.rows.tolist())
    return out


def codes_of(issues: list[Issue]) -> list[str]:
    return [i.code for i in issues]
