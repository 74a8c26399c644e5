"""Benchmark: checking a document index's JSON Lines import against plain `orjson.loads` of
the same lines, same run.

    python bench/bench_jsonl.py [--docs 116000] [--dim 768] [--files 8] [--repeat 3] [--gzip]
                                [--processes 2]

Writes a prefix of `--docs` documents (a full-text `body`, a `--dim` dense `embedding` as
orjson writes float32, a sparse vector on every other one, flat metadata: about 1 GB at 768-d)
in `--files` files over two namespaces under bench/out/jsonl/, with its schema. Then times, in
a fresh interpreter each (its own peak RSS; the work timed after the imports), interleaved so
machine noise hits all alike:

- `orjson`: `orjson.loads` of every line of every file (reading and splitting included);
- `check`: `pp.check(root, schema=...)` in one process (every rule, duplicate `_id`s);
- `check_processes`: the same with `--processes N` worker processes (default 2) judging the
  blocks (the CLI starts `cores - 1` of them from 3 cores on).

Prints the medians, each run's ratio to the orjson run beside it, and the spread.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import orjson

OUT = Path(__file__).parent / "out" / "jsonl"
SCHEMA = {
    "fields": {
        "body": {"type": "string", "full_text_search": {}},
        "embedding": {"type": "dense_vector", "dimension": 0, "metric": "cosine"},
        "keywords": {"type": "sparse_vector"},
    }
}


def make_prefix(docs: int, dim: int, files: int, compress: bool) -> tuple[Path, Path]:
    root = OUT / f"{docs}x{dim}x{files}{'-gz' if compress else ''}"
    schema = root.with_name(root.name + ".schema.json")
    if root.exists():
        return root, schema
    rng = np.random.default_rng(0)
    per_file = docs // files
    for f in range(files):
        ns = root / f"ns-{f % 2}"
        ns.mkdir(parents=True, exist_ok=True)
        vectors = rng.standard_normal((per_file, dim), dtype=np.float32)
        lines = []
        for i in range(per_file):
            doc = {
                "_id": f"doc-{f}-{i:09d}",
                "body": f"Document {i}: notes on vectors, see https://example.com/{i} " * 2,
                "embedding": vectors[i],
                "category": ["news", "blog", "paper"][i % 3],
                "year": 1990 + i % 30,
                "tags": ["a", "b"][: 1 + i % 2],
            }
            if i % 2:
                doc["keywords"] = {"indices": [3, 17, 256 + i % 100], "values": [0.5, 0.25, 0.125]}
            lines.append(orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY))
        data = b"\n".join(lines) + b"\n"
        name = f"part-{f:05d}.jsonl"
        if compress:
            (ns / (name + ".gz")).write_bytes(gzip.compress(data, compresslevel=6))
        else:
            (ns / name).write_bytes(data)
    fields = {**SCHEMA["fields"], "embedding": {**SCHEMA["fields"]["embedding"], "dimension": dim}}
    schema.write_text(json.dumps({"fields": fields}))
    return root, schema


# Wall time, CPU time (worker processes included) and peak RSS of the work, after imports.
TIMED = """
import resource, sys, time
{imports}
def cpu():
    return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, (0, -1)))
start, used = time.perf_counter(), cpu()
{work}
print(time.perf_counter() - start, cpu() - used, resource.getrusage(0).ru_maxrss)
"""
READ_LINES = """
for p in sorted(Path(sys.argv[1]).rglob('*.jsonl*')):
    with (gzip.open(p) if p.name.endswith('.gz') else open(p, 'rb')) as f:
        for line in f:
            orjson.loads(line)
"""
CHECK = """
r = pp.check(sys.argv[1], schema=sys.argv[2], processes={processes})
assert r.valid and r.summary.records, r.summary.by_code
"""
GUARD = "if __name__ == '__main__':\n"  # worker processes import the main module
CONTENDERS = {
    "orjson": TIMED.format(
        imports="import gzip, orjson\nfrom pathlib import Path", work=READ_LINES.strip()
    ),
    "check": TIMED.format(imports="import pinecone_prep as pp", work=CHECK.format(processes=0)),
    "check_processes": GUARD
    + "\n".join(
        "    " + line
        for line in TIMED.format(
            imports="import pinecone_prep as pp", work=CHECK.format(processes="int(sys.argv[3])")
        ).splitlines()
    ),
}


def run(code: str, root: Path, schema: Path, processes: int) -> tuple[float, float, float]:
    """Wall and CPU time (s) of the work and peak RSS (MB) of one fresh interpreter running
    `code` (started from a small process: Linux carries the peak RSS over an exec)."""
    script = OUT / "_contender.py"  # a file, so that spawned worker processes can import it
    script.write_text(code)
    out = subprocess.run(
        [sys.executable, str(script), str(root), str(schema), str(processes)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[-3]), float(out[-2]), int(out[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=116_000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--make", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_prefix(args.docs, args.dim, args.files, args.gzip)
        return
    # The data is written by a child process: this one stays small (see `run`).
    subprocess.run(
        [sys.executable, __file__, "--make", *sys.argv[1:]], check=True, stdout=subprocess.DEVNULL
    )
    root, schema = make_prefix(args.docs, args.dim, args.files, args.gzip)
    size = sum(p.stat().st_size for p in root.rglob("*.jsonl*"))
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in CONTENDERS}
    for _ in range(args.repeat):  # interleaved: noise hits every contender alike
        for name, code in CONTENDERS.items():
            runs[name].append(run(code, root, schema, args.processes))
    results: dict[str, object] = {"docs": args.docs, "dim": args.dim, "bytes": size}
    for name, measured in runs.items():
        results[name] = {
            "seconds": round(statistics.median(t for t, _, _ in measured), 3),
            "all_seconds": [round(t, 3) for t, _, _ in measured],
            "cpu_seconds": [round(c, 3) for _, c, _ in measured],
            "peak_rss_mb": round(max(rss for _, _, rss in measured)),
        }
    for name in ("check", "check_processes"):
        for what, at in (("wall", 0), ("cpu", 1)):
            ratios = [m[at] / b[at] for m, b in zip(runs[name], runs["orjson"], strict=True)]
            results[f"{what}_ratio_{name}_over_orjson"] = {
                "median": round(statistics.median(ratios), 2),
                "min": round(min(ratios), 2),
                "max": round(max(ratios), 2),
            }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
