"""Benchmark: checking a document index's JSON Lines import against plain `orjson.loads` of
the same lines, same run.

    python bench/bench_jsonl.py [--docs 116000] [--dim 768] [--files 8] [--repeat 3] [--gzip]

Writes a prefix of `--docs` documents (a full-text `body`, a `--dim` dense `embedding` as
orjson writes float32, a sparse vector on every other one, flat metadata: about 1 GB at 768-d)
in `--files` files over two namespaces under bench/out/jsonl/, with its schema. Then times, in
a fresh interpreter each (its own peak RSS; the work timed after the imports), interleaved so
machine noise hits all alike:

- `orjson`: `orjson.loads` of every line of every file (reading and splitting included);
- `check`: `pp.check(root, schema=...)` in one process (every rule, duplicate `_id`s);
- `check_processes`: the same with `processes=None` (worker processes, as the CLI runs it).

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


TIMED = """
import resource, sys, time
{imports}
start = time.perf_counter()
{work}
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
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
            imports="import pinecone_prep as pp", work=CHECK.format(processes=None)
        ).splitlines()
    ),
}


def run(code: str, root: Path, schema: Path) -> tuple[float, float]:
    """Wall time (s) of the work and peak RSS (MB) of one fresh interpreter running `code`."""
    script = OUT / "_contender.py"  # a file, so that spawned worker processes can import it
    script.write_text(code)
    out = subprocess.run(
        [sys.executable, str(script), str(root), str(schema)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[-2]), int(out[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=116_000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gzip", action="store_true")
    args = parser.parse_args()
    root, schema = make_prefix(args.docs, args.dim, args.files, args.gzip)
    size = sum(p.stat().st_size for p in root.rglob("*.jsonl*"))
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in CONTENDERS}
    for _ in range(args.repeat):  # interleaved: noise hits every contender alike
        for name, code in CONTENDERS.items():
            runs[name].append(run(code, root, schema))
    results: dict[str, object] = {"docs": args.docs, "dim": args.dim, "bytes": size}
    for name, measured in runs.items():
        results[name] = {
            "seconds": round(statistics.median(t for t, _ in measured), 3),
            "all_seconds": [round(t, 3) for t, _ in measured],
            "peak_rss_mb": round(max(rss for _, rss in measured)),
        }
    base = [t for t, _ in runs["orjson"]]
    for name in ("check", "check_processes"):
        ratios = [t / b for (t, _), b in zip(runs[name], base, strict=True)]
        results[f"ratio_{name}_over_orjson"] = {
            "median": round(statistics.median(ratios), 2),
            "min": round(min(ratios), 2),
            "max": round(max(ratios), 2),
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
