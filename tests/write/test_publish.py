"""Layout and sizing, the manifest, atomic publishing and resuming after a crash, object
stores, and misuse."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import pinecone_prep as pp
from pinecone_prep._manifest import Manifest, ManifestFile
from pinecone_prep._rules.files import manifest_issues, manifest_records_issue
from pinecone_prep._spec import MANIFEST_KEY
from pinecone_prep._storage import Store
from pinecone_prep._types import StoredObject
from tests.support.endpoints import StoragePrefix
from tests.support.writing import (
    EXPECTED,
    bad_frame,
    clean,
    frame,
    parquet_files,
    read_back,
    vectors,
)


def test_files_and_row_groups_are_sized_by_bytes(tmp_path: Path) -> None:
    dim = 64
    df = pl.DataFrame({"id": [f"{i:06d}" for i in range(3000)], "values": vectors(3000, dim)})
    result = pp.write(df, tmp_path / "out", target_file_bytes=200_000, row_group_bytes=40_000)
    names = [Path(f.uri).name for f in result.files]
    assert names == [f"part-{i:05d}.parquet" for i in range(len(names))]
    assert len(names) >= 4
    for f in result.files:
        assert f.bytes <= 200_000 + 40_000
        meta = pq.ParquetFile(f.uri).metadata
        assert meta.num_row_groups > 1 or f is result.files[-1]  # the last holds the rest
        for i in range(meta.num_row_groups):
            group = meta.row_group(i)
            assert group.num_rows * dim * 4 <= 2 * 40_000
            for c in range(group.num_columns):
                column = group.column(c)
                assert column.compression == "SNAPPY"
                if column.path_in_schema.startswith("values"):
                    assert not column.is_stats_set
                    assert "RLE_DICTIONARY" not in column.encodings
    schema = pq.read_schema(result.files[0].uri)
    assert all(field.nullable for field in schema)
    assert read_back(tmp_path / "out").column("id").to_pylist() == list(df["id"])


def test_non_empty_namespace_needs_overwrite(tmp_path: Path) -> None:
    root = tmp_path / "out"
    pp.write(frame(4), root, namespace="a")
    pp.write(frame(3), root, namespace="b")  # another namespace: fine
    (root / "a" / "notes.txt").write_text("mine")
    with pytest.raises(pp.UsageError, match=r"not empty.*overwrite"):
        pp.write(frame(2), root, namespace="a")
    result = pp.write(frame(2), root, namespace="a", overwrite=True)
    assert sorted(p.name for p in (root / "a").iterdir()) == ["part-00000.parquet"]
    manifest = Manifest.from_json((root / MANIFEST_KEY).read_text())
    assert manifest.complete
    assert sorted((f.namespace, f.records) for f in manifest.files) == [("a", 2), ("b", 3)]
    assert result.manifest == str(root / MANIFEST_KEY)
    assert manifest_issues(Store(str(root)).list(), manifest) == []
    clean(root)


def test_manifest_comparison_is_pure() -> None:
    manifest = Manifest(
        (
            ManifestFile("a/part-00000.parquet", "a", 3, 100, "x"),
            ManifestFile("a/part-00001.parquet", "a", 3, 100, "y"),
            ManifestFile("b/part-00000.parquet", "b", 3, 100, "z"),
        )
    )
    listing = [
        StoredObject("a/part-00000.parquet", 100),
        StoredObject("b/part-00000.parquet", 99),
        StoredObject("c/extra.parquet", 5),
        StoredObject(MANIFEST_KEY, 10),  # not .parquet: never "extra"
    ]
    issues = {(i.key, i.severity or "error"): i.message for i in manifest_issues(listing, manifest)}
    assert sorted(issues) == [
        ("a/part-00001.parquet", "error"),
        ("b/part-00000.parquet", "error"),
        ("c/extra.parquet", "warning"),
    ]
    assert "missing" in issues[("a/part-00001.parquet", "error")]
    assert "99 bytes, the manifest says 100" in issues[("b/part-00000.parquet", "error")]
    assert manifest_records_issue(manifest, "a/part-00000.parquet", 3) is None
    assert (
        manifest_records_issue(manifest, "c/extra.parquet", 9) is None
    )  # not the manifest's business
    changed = manifest_records_issue(manifest, "a/part-00000.parquet", 4)
    assert changed is not None and "4 records, the manifest says 3" in changed.message
    pending = manifest_issues(listing, Manifest(manifest.files, ("a/part-00001.parquet",)))
    assert any(i.key == MANIFEST_KEY and "re-run" in i.message for i in pending)
    assert Manifest.from_json(manifest.to_json()) == manifest
    with pytest.raises(ValueError):
        Manifest.from_json('{"format": "something else"}')


def test_checker_compares_the_root_with_its_manifest(tmp_path: Path) -> None:
    root = tmp_path / "out"
    pp.write(frame(12), root, namespace="a", row_group_bytes=200, target_file_bytes=400)
    assert "F004" not in clean(root).summary.by_code
    first, second, *_ = parquet_files(root)
    second.unlink()
    pq.write_table(pq.read_table(first).slice(1), first)  # one record fewer, another size
    pq.write_table(pq.read_table(first), root / "a" / "stray.parquet")
    found = [f for f in pp.check(str(root)).findings if f.code == "F004"]
    where = {(Path(f.location.uri).name, f.severity) for f in found}
    assert where == {
        (first.name, "error"),  # size, and records (from its footer)
        (second.name, "error"),  # missing
        ("stray.parquet", "warning"),  # not written by pinecone-prep
    }
    assert len([f for f in found if Path(f.location.uri).name == first.name]) == 2
    (root / MANIFEST_KEY).write_text("{not json")
    unreadable = [f for f in pp.check(str(root)).findings if f.code == "F004"]
    assert [(f.severity, "cannot be read" in f.message) for f in unreadable] == [("warning", True)]


def test_failure_inside_the_data_leaves_no_parquet(tmp_path: Path) -> None:
    df = frame(40)
    root = tmp_path / "out"

    def failing() -> Iterator[pd.DataFrame]:
        yield df.iloc[:20]
        raise RuntimeError("the source broke")

    with pytest.raises(RuntimeError, match="the source broke"):
        pp.write(failing(), root, row_group_bytes=200, target_file_bytes=600)
    assert parquet_files(tmp_path) == []
    result = pp.write(df, root, row_group_bytes=200, target_file_bytes=600)
    assert result.records == 40
    clean(root)


def test_crash_while_publishing_resumes_without_overwrite(tmp_path: Path) -> None:
    df = frame(30)
    df["ns"] = ["a"] * 20 + ["b"] * 10
    root = tmp_path / "out"
    root.mkdir()
    (root / "b").write_text("a file where the folder b must go: moves into b/ fail")
    with pytest.raises(pp.StorageError):
        pp.write(df, root, namespace_column="ns", row_group_bytes=200, target_file_bytes=600)
    published = parquet_files(root)
    assert published and all(p.parent.name == "a" for p in published)
    assert all(pq.ParquetFile(p).metadata.num_rows for p in published)  # complete files only
    assert not Manifest.from_json((root / MANIFEST_KEY).read_text()).complete
    (root / "b").unlink()
    # the same arguments: the pending files are replaced, the write completes
    result = pp.write(df, root, namespace_column="ns", row_group_bytes=200, target_file_bytes=600)
    assert result.records == 30
    assert sorted(read_back(root).column("id").to_pylist()) == sorted(df["id"])
    clean(root)


KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np, pandas as pd
    import pinecone_prep as pp

    def frames():
        rng = np.random.default_rng(0)
        for k in range(40):
            yield pd.DataFrame({
                "id": [f"{k}-{i}" for i in range(50)],
                "values": list(rng.random((50, 16), dtype=np.float32) + 0.5),
            })
            if k == 20 and sys.argv[2] == "die":
                print("halfway", flush=True)
                time.sleep(60)

    result = pp.write(frames(), sys.argv[1], row_group_bytes=2000, target_file_bytes=8000)
    print(result.records, flush=True)
    """
)


def test_sigkill_mid_write_then_rerun(tmp_path: Path) -> None:
    root = tmp_path / "out"
    script = tmp_path / "writer.py"
    script.write_text(KILLED_WRITER)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(root), "die"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "halfway"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list((root / "_pinecone_prep_tmp").rglob("*.tmp"))  # it was writing
    assert parquet_files(root) == []  # nothing published, nothing partial
    done = subprocess.run(
        [sys.executable, str(script), str(root), "live"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "2000"
    assert not (root / "_pinecone_prep_tmp").exists()
    assert clean(root).summary.records == 2000


def test_round_trip_on_s3(s3_prefix: StoragePrefix) -> None:
    df = bad_frame()
    df["ns"] = ["a", "a", "b", "b", "b", "a", "a", "b", "a", "b"]  # rows 3 and 4 share "b"
    options = s3_prefix.storage_options
    result = pp.write(
        df,
        s3_prefix.url,
        namespace_column="ns",
        on_invalid="quarantine",
        quarantine_uri=f"{s3_prefix.url}-rejected",
        row_group_bytes=200,
        target_file_bytes=500,
        storage_options=options,
    )
    assert sorted(r.codes[0] for r in result.rejected) == sorted(c for _, c in EXPECTED)
    report = pp.check(s3_prefix.url, storage_options=options, max_examples=None)
    assert report.summary.by_severity == {"error": 0, "warning": 0, "info": 1}  # manifest
    assert report.summary.records == 4
    s3_prefix.fs.invalidate_cache()
    listed = s3_prefix.fs.find(s3_prefix.bucket)
    assert f"{s3_prefix.bucket}/imports-rejected/rejected-00000.parquet" in listed
    assert not any("_pinecone_prep_tmp" in key for key in listed)
    manifest = Manifest.from_json(s3_prefix.fs.cat_file(s3_prefix.join(MANIFEST_KEY)).decode())
    for f in manifest.files:
        assert hashlib.sha256(s3_prefix.fs.cat_file(s3_prefix.join(f.key))).hexdigest() == f.sha256
    assert manifest_issues(Store(s3_prefix.url, options).list(), manifest) == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"on_invalid": "ignore"}, "on_invalid"),
        ({"kind": "vector"}, "kind"),
        ({"dimension": 0}, "dimension"),
        ({"dimension": 30_000}, "20,000"),
        ({"namespace": "a", "namespace_column": "ns"}, "not both"),
        ({"namespace": "a/b"}, "single folder"),
        ({"namespace": ""}, "empty"),
        ({"id_column": "nope"}, "no id column"),
        ({"namespace_column": "nope"}, "no namespace column"),
        ({"values_column": None}, "no vector column"),
        ({"kind": "sparse"}, "sparse"),
        ({"metadata_columns": ["id"]}, "metadata_column=None"),
        ({"metadata_columns": "tag"}, "list of names"),
        ({"quarantine_uri": "/tmp/q"}, "on_invalid='quarantine'"),
        ({"target_file_bytes": 10**10}, "file size limit"),
        ({"row_group_bytes": -1}, "positive"),
        ({"progress": 3}, "callable"),
    ],
)
def test_misuse_is_a_usage_error(tmp_path: Path, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(pp.UsageError, match=match):
        pp.write(frame(3), tmp_path / "out", **kwargs)
    assert parquet_files(tmp_path) == []


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"id": ["a"]}, id="dict"),
        pytest.param(42, id="number"),
        pytest.param([42], id="list-of-numbers"),
        pytest.param(pd.DataFrame({"id": [1.5], "values": [[1.0]]}), id="float-ids"),
        pytest.param(pd.DataFrame({"id": ["a"], "values": ["x"]}).astype(object), id="text"),
        pytest.param(pd.DataFrame({"id": ["a"], "values": [{"a": 1}]}), id="dict-vectors"),
        pytest.param(pa.table({"id": ["a"], "values": [[True]]}), id="bool-vectors"),
        pytest.param(pa.table({"id": ["a"], "sparse_values": [[1]]}), id="sparse-not-struct"),
        pytest.param(pd.DataFrame({"id": ["a", 1], "values": [[1.0], [2.0]]}), id="mixed-ids"),
    ],
)
def test_malformed_data_is_a_usage_error_or_rejected(tmp_path: Path, data: Any) -> None:
    try:
        result = pp.write(data, tmp_path / "out", on_invalid="skip")
    except pp.UsageError:
        return
    assert result.records == 0 and result.rejected


def test_root_must_be_a_prefix(tmp_path: Path) -> None:
    (tmp_path / "file.parquet").write_bytes(b"x")
    with pytest.raises(pp.UsageError, match="names an object"):
        pp.write(frame(2), tmp_path / "file.parquet")


def test_progress_reports_bytes(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    result = pp.write(
        frame(50), tmp_path / "out", row_group_bytes=300, progress=lambda d, t: calls.append((d, t))
    )
    assert calls and [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert calls[-1][0] == calls[-1][1] > 0  # the total is known for a DataFrame
    assert result.bytes > 0
