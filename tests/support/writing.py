"""What the writer tests share: small frames of distinct vectors, and reading a root back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import pinecone_prep as pp

RNG = np.random.default_rng(5)


def vectors(n: int, dim: int = 4) -> np.ndarray[Any, Any]:
    """Distinct, non-zero float32 vectors."""
    return RNG.random((n, dim), dtype=np.float32) + 0.5


def frame(n: int = 12, dim: int = 4) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"doc-{i}" for i in range(n)],
            "values": list(vectors(n, dim)),
            "metadata": [{"n": i, "tag": "x", "gone": None} for i in range(n)],
        }
    )


def parquet_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.parquet"))


def read_back(root: Path) -> pa.Table:
    return pa.concat_tables(pq.read_table(p) for p in parquet_files(root))


def clean(root: Path | str, **options: Any) -> pp.Report[pp.Summary]:
    """Check what was written: no error, and no warning but L009 (a local path)."""
    report = pp.check(str(root), max_examples=None, **options)
    noisy = [f for f in report.findings if f.severity != "info" and f.code != "L009"]
    assert noisy == [], noisy
    return report


def bad_frame() -> pd.DataFrame:
    df = frame(10)
    df.at[1, "values"] = np.zeros(4, np.float32)  # R013
    df.at[2, "id"] = ""  # R002
    df.at[4, "id"] = "doc-3"  # R005 (the later one)
    df.at[6, "values"] = np.ones(5, np.float32)  # R011
    df.at[7, "metadata"] = {"$op": 1}  # R036
    df.at[8, "values"] = df.at[0, "values"]  # R014 (a warning: still not written)
    return df


EXPECTED = [(1, "R013"), (2, "R002"), (4, "R005"), (6, "R011"), (7, "R036"), (8, "R014")]
