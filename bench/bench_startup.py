"""Benchmark: how long the command line takes to start, against importing pyarrow.parquet.

    python bench/bench_startup.py [--runs 10]

Runs each command `--runs` times, interleaved (one of each per round, so a slow moment of the
machine hits every command alike), from the repository root, and prints the median wall time
with the fastest and slowest run. The console script is the one installed beside this Python.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def commands() -> dict[str, list[str]]:
    cli = str(Path(sys.executable).with_name("pinecone-prep"))
    return {
        "pinecone-prep --version": [cli, "--version"],
        "pinecone-prep rules": [cli, "rules"],
        "pinecone-prep check fixtures/valid": [cli, "check", "fixtures/valid"],
        'python -c "import pyarrow.parquet"': [sys.executable, "-c", "import pyarrow.parquet"],
    }


def wall_time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    todo = commands()
    for argv in todo.values():  # warm the OS file cache once; not counted
        wall_time(argv)
    times: dict[str, list[float]] = {name: [] for name in todo}
    for _ in range(args.runs):
        for name, argv in todo.items():
            times[name].append(wall_time(argv))
    baseline = statistics.median(times['python -c "import pyarrow.parquet"'])
    width = max(map(len, todo))
    print(f"{'command':<{width}}  median s   min s   max s  vs pyarrow.parquet")
    for name, runs in times.items():
        median = statistics.median(runs)
        print(
            f"{name:<{width}}  {median:8.3f} {min(runs):7.3f} {max(runs):7.3f}"
            f"  {median / baseline:17.2f}x"
        )
    print(f"({args.runs} interleaved runs each, wall time, cwd {REPO.name}/)")


if __name__ == "__main__":
    main()
