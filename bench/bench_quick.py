"""Benchmark: `pinecone-prep check --quick` against a footers-plus-first-100-rows validator
(what Pinecone's own validator does in its default mode), whole processes, interleaved runs.

    python bench/bench_quick.py [--files 50] [--rows 5000] [--dim 768] [--repeat 5]

The reference reads every file's footer and its first 100 rows with pyarrow and checks the
schema, ids and vector lengths: the least such a validator does. `check --quick` reads every
footer and the first rows of every file and runs every rule on them. The full check is timed
too, for scale.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).parent / "out" / "quick"

REFERENCE = """
import sys
from pathlib import Path
import pyarrow.compute as pc
import pyarrow.parquet as pq

bad = 0
for path in sorted(Path(sys.argv[1]).rglob("*.parquet")):
    f = pq.ParquetFile(path)
    names = set(f.schema_arrow.names)
    bad += not {"id", "values"} <= names
    batch = next(f.iter_batches(batch_size=100, columns=["id", "values"]))
    lengths = pc.list_value_length(batch.column("values"))
    bad += pc.count(pc.unique(lengths)).as_py() != 1
    bad += batch.column("id").null_count
print(bad)
"""


def make_prefix(files: int, rows: int, dim: int) -> Path:
    root = OUT / f"{files}x{rows}x{dim}"
    if root.exists():
        return root
    rng = np.random.default_rng(0)
    for f in range(files):
        ns = root / f"ns-{f % 4}"
        ns.mkdir(parents=True, exist_ok=True)
        vectors = rng.standard_normal((rows, dim), dtype=np.float32)
        table = pa.table(
            {
                "id": [f"doc-{f}-{i}" for i in range(rows)],
                "values": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), dim).cast(
                    pa.list_(pa.float32())
                ),
                "metadata": [f'{{"n": {i}}}' for i in range(rows)],
            }
        )
        pq.write_table(table, ns / f"part-{f:05d}.parquet", row_group_size=2_000)
    return root


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root = str(make_prefix(args.files, args.rows, args.dim))
    cli = [sys.executable, "-m", "pinecone_prep", "check", root, "--format", "json"]
    contenders = {
        "footers + 100 rows (reference)": [sys.executable, "-c", REFERENCE, root],
        "check --quick": [*cli, "--quick"],
        "check (every row)": cli,
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for argv in contenders.values():  # warm the page cache
        timed(argv)
    for _ in range(args.repeat):  # interleaved: a slow stretch of the machine hits all alike
        for name, argv in contenders.items():
            times[name].append(timed(argv))
    base = times["footers + 100 rows (reference)"]
    print(f"{args.files} files x {args.rows:,} rows x {args.dim} dims, {args.repeat} runs")
    print(f"{'contender':34} {'median s':>9} {'min-max s':>13} {'ratio':>6} {'ratio range':>12}")
    for name, runs in times.items():
        ratios = [t / b for t, b in zip(runs, base, strict=True)]
        print(
            f"{name:34} {statistics.median(runs):9.3f} {min(runs):6.3f}-{max(runs):<6.3f}"
            f" {statistics.median(ratios):6.2f} {min(ratios):5.2f}-{max(ratios):<5.2f}"
        )


if __name__ == "__main__":
    main()
