"""What the checks need to know about the target index, and the preflight rules (RULES.md
section 5) as pure functions of it. Built by hand for dry runs or from the live index."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ._errors import UsageError
from ._spec import DEFAULT_NAMESPACE

IndexKind = Literal["dense", "sparse"]
CLOUDS = ("aws", "gcp", "azure")


@dataclass(frozen=True)
class IndexDescription:
    """A target index. `namespaces` maps existing namespaces to their record counts (the
    default namespace may appear as "" or "__default__")."""

    name: str | None = None
    kind: IndexKind = "dense"
    dimension: int | None = None
    metric: str | None = None
    cloud: str | None = None
    serverless: bool = True
    integrated: bool = False
    namespaces: Mapping[str, int] = field(default_factory=dict)
    host: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("dense", "sparse"):
            raise UsageError(f"index kind must be 'dense' or 'sparse', not {self.kind!r}")
        if self.cloud is not None and self.cloud not in CLOUDS:
            raise UsageError(f"cloud must be one of {', '.join(CLOUDS)}, not {self.cloud!r}")
        if self.dimension is not None and (
            not isinstance(self.dimension, int) or self.dimension <= 0
        ):
            raise UsageError(f"dimension must be a positive integer, not {self.dimension!r}")

    def records_in(self, namespace: str) -> int | None:
        """Records already in `namespace` (None when it does not exist)."""
        keys = ("", DEFAULT_NAMESPACE) if namespace in ("", DEFAULT_NAMESPACE) else (namespace,)
        counts = [self.namespaces[k] for k in keys if k in self.namespaces]
        return sum(counts) if counts else None


@dataclass(frozen=True)
class IndexIssue:
    code: str
    message: str
    namespace: str | None = None


def index_issues(
    index: IndexDescription, *, scheme: str, namespaces: Iterable[str]
) -> list[IndexIssue]:
    """P001/P002, L010 and L007 for an import from a `scheme` URI into `index`."""
    label = f"index {index.name!r}" if index.name else "the index"
    issues = []
    if not index.serverless:
        issues.append(IndexIssue("P001", f"{label} is a pod index; only serverless can import"))
    if index.integrated:
        issues.append(
            IndexIssue(
                "P002",
                f"{label} has integrated embedding; import does not embed, so the files must"
                " carry vectors",
            )
        )
    if scheme == "s3" and index.cloud not in (None, "aws"):
        issues.append(
            IndexIssue("L010", f"an s3:// source needs an AWS index; {label} is on {index.cloud}")
        )
    for namespace in namespaces:
        existing = index.records_in(namespace)
        is_default = namespace == DEFAULT_NAMESPACE
        if existing is None or (is_default and existing == 0):
            continue
        issues.append(
            IndexIssue(
                "L007",
                f"namespace {namespace!r} already exists in {label} ({existing:,} records);"
                " import only creates new namespaces",
                namespace,
            )
        )
    return issues
