"""What `pinecone_prep.dask` and `pinecone_prep.spark` share, with no engine imported: the
options of a distributed write and check, the kind and dimension fixed on the driver from a
sample, the bodies of the tasks (stage a partition, check a share of files), and the driver's
side (order the tasks' results by partition, publish or merge them, count progress).

Usage and data errors inside a task come back as results and are raised on the driver: an
engine retries a task that raises, and a retry cannot fix the call or the data."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from . import distributed as dist
from ._errors import PrepError, UsageError, ValidationError
from ._report import Report, Summary
from ._types import Kind, Meter, Progress, check_positive, check_progress, uri_text
from ._write.columns import ColumnPlan
from ._write.model import (
    DEFAULT_ROW_GROUP_BYTES,
    DEFAULT_TARGET_FILE_BYTES,
    OnInvalid,
    StagedPart,
    WriteOptions,
    WriteResult,
)
from ._write.sources import file_keys

SAMPLE_ROWS = 100  # rows the driver reads to fix the kind and the dimension


@dataclass(frozen=True, kw_only=True)
class WriteSpec:
    """The options of a distributed write (those of `write`), for the driver and the tasks."""

    namespace: str | None = None
    namespace_column: str | None = None
    id_column: str = "id"
    values_column: str | None = "values"
    sparse_values_column: str | None = "sparse_values"
    metadata_column: str | None = "metadata"
    metadata_columns: Sequence[str] | None = None
    kind: Kind | None = None
    dimension: int | None = None
    on_invalid: OnInvalid = "error"
    quarantine_uri: str | os.PathLike[str] | None = None
    target_file_bytes: int = DEFAULT_TARGET_FILE_BYTES
    row_group_bytes: int = DEFAULT_ROW_GROUP_BYTES
    overwrite: bool = False
    storage_options: Mapping[str, Any] | None = None
    # What a task runs to stage its partition; a test wraps it to fail a task after staging.
    stage: Callable[..., StagedPart] = field(default=dist.stage, repr=False)

    def columns(self) -> dict[str, Any]:
        return {
            "namespace_column": self.namespace_column,
            "id_column": self.id_column,
            "values_column": self.values_column,
            "sparse_values_column": self.sparse_values_column,
            "metadata_column": self.metadata_column,
            "metadata_columns": self.metadata_columns,
        }

    def fixed(self, sample: Callable[[], Any]) -> WriteSpec:
        """Checked, with the kind and dimension fixed from `sample()` (the first rows of the
        data; taken only when one of them is not given), before any task runs."""
        WriteOptions(
            columns=ColumnPlan("id"),
            on_invalid=self.on_invalid,
            quarantine_uri=None if self.quarantine_uri is None else uri_text(self.quarantine_uri),
            target_file_bytes=self.target_file_bytes,
            row_group_bytes=self.row_group_bytes,
        )
        known = self.kind is not None and self.dimension is not None
        kind, dimension = dist.probe(
            [] if known else sample(),  # with nothing to read, probe checks the options
            kind=self.kind,
            dimension=self.dimension,
            storage_options=self.storage_options,
            **self.columns(),
        )
        return replace(self, kind=kind, dimension=dimension)


@dataclass(frozen=True)
class Failure:
    """A usage or data error raised inside a task, carried to the driver as a value (the
    exceptions take keyword arguments that pickle does not restore)."""

    message: str
    report: Report[Any] | None = None  # a ValidationError's

    def exception(self) -> PrepError:
        if self.report is None:
            return UsageError(self.message)
        return ValidationError(self.message, report=self.report)


@dataclass(frozen=True)
class Staged:
    """What a write task returns: its partition number and its staged part (or failure)."""

    part: int
    result: StagedPart | Failure


def label(part: int) -> str:
    """A partition's label in the published names (`part-<label>-NNNNN.parquet`)."""
    return f"{part:05d}"


def stage_partition(data: Any, part: int, *, root: str, job: str, spec: WriteSpec) -> Staged:
    """A write task: stage one partition (a fresh attempt folder on every call)."""
    try:
        staged = spec.stage(
            data,
            root,
            job=job,
            part=label(part),
            namespace=spec.namespace,
            kind=spec.kind,
            dimension=spec.dimension,
            quarantine=spec.on_invalid == "quarantine",
            target_file_bytes=spec.target_file_bytes,
            row_group_bytes=spec.row_group_bytes,
            storage_options=spec.storage_options,
            **spec.columns(),
        )
    except ValidationError as exc:  # an input file that cannot be read (F001)
        return Staged(part, Failure(str(exc), exc.report))
    except UsageError as exc:
        return Staged(part, Failure(str(exc)))
    return Staged(part, staged)


def publish_staged(root: str, results: Iterable[Staged], spec: WriteSpec) -> WriteResult:
    """On the driver: raise the first partition's failure, else publish the parts in
    partition order (a duplicate keeps the copy of the lowest partition)."""
    ordered = sorted(results, key=lambda r: r.part)
    parts = []
    for result in ordered:
        if isinstance(result.result, Failure):
            raise result.result.exception()
        parts.append(result.result)
    return dist.publish(
        root,
        parts,
        on_invalid=spec.on_invalid,
        quarantine_uri=spec.quarantine_uri,
        overwrite=spec.overwrite,
        row_group_bytes=spec.row_group_bytes,
        storage_options=spec.storage_options,
    )


def input_files(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    storage_options: Mapping[str, Any] | None,
) -> list[str]:
    """The URIs of the input files to convert, in order: a file, or each file under a prefix
    (as `write` reads them)."""
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not items:
        raise UsageError("no input paths given")
    found = []
    for item in items:
        store, keys = file_keys(uri_text(item, "paths"), storage_options)
        found += [store.uri_of(key) for key in keys]
    return found


def shares(items: Sequence[str], per_task: int, what: str) -> list[list[str]]:
    """`items` in consecutive shares of `per_task`, one per task."""
    check_positive(per_task, what)
    return [list(items[i : i + per_task]) for i in range(0, len(items), per_task)]


def check_share(plan: dist.CheckPlan, keys: Sequence[str]) -> list[dist.FileResult]:
    """A check task: the rows of some whole files of the plan."""
    return dist.check_files(plan, keys)


def merged(plan: dist.CheckPlan, results: Iterable[list[dist.FileResult]]) -> Report[Summary]:
    return dist.merge_check(plan, [r for share in results for r in share])


def meter(progress: Progress | None, total: int) -> Meter:
    """Progress of a job as (tasks done, tasks in all), on the driver."""
    return Meter(check_progress(progress), total)
