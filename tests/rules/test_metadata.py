"""Metadata rules (R030-R038) on JSON texts and columns."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pinecone_prep._rules import metadata as rules
from tests.support.rules import rows_of


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"a": 1, "b": "x", "c": true, "d": ["p", "q"], "e": 1.5}', None),
        ("{not json", "R030"),
        (b"\xff\xfe", "R030"),
        ("[1, 2]", "R031"),
        ('"text"', "R031"),
        ('{"a": {"b": 1}}', "R033"),
        ('{"a": null}', "R034"),
        ('{"a": ["x", 1]}', "R035"),
        ('{"$a": 1}', "R036"),
        ('{"a": 9007199254740993}', "R037"),
        ('{"a": 18446744073709551616}', "R037"),  # orjson: a float; Python's json: the integer
        ('{"a": 1e19}', None),  # as wide, but a float in the text
        # A wide float beside lists too deep for Python's parser (orjson reads 1,023 levels).
        ('{"a": 1e19, "b": ' + "[" * 1000 + "]" * 1000 + "}", "R035"),
        ('{"a": NaN}', "R038"),
        ('{"a": -Infinity}', "R038"),
    ],
)
def test_metadata_problem(text: str | bytes, code: str | None) -> None:
    found = rules.metadata_problem(text)
    assert (found[0] if found else None) == code


def test_metadata_hits_on_a_column() -> None:
    md = pa.array(['{"a": 1}', None, '{"a": null}', "x" * 40_961, '{"b": [1]}', '{"c": "["}'])
    assert rows_of(rules.metadata_hits(md)) == {"R032": [3], "R030": [3], "R034": [2], "R035": [4]}
    assert rows_of(rules.metadata_hits(md.slice(2))) == {
        "R032": [1],
        "R030": [1],
        "R034": [0],
        "R035": [2],
    }
    assert rows_of(rules.metadata_hits(md.cast(pa.large_string()))) == rows_of(
        rules.metadata_hits(md)
    )
