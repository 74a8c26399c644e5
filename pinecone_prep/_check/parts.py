"""A check split at its seams, for engines that spread it over workers: a plan (the survey and
each namespace's kind and dimension: what every task needs), checks of some files (whole files
per task), and a merge whose report equals `check` of the whole prefix, findings, order,
summary and the rules across files included. A JSON Lines prefix (a document schema) splits
the same way: its plan is the listing's survey and the manifest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .._errors import UsageError
from .._manifest import Manifest
from .._report import Finding, Report, Summary
from .._storage import Store
from .._survey import NamespaceInfo, ordered_map
from .documents import DocumentScan
from .rows import FileResult
from .scan import CheckOptions, Scan


@dataclass
class CheckPlan:
    """What the driver learnt from the listing and the footers, for the tasks and the merge."""

    uri: str
    storage_options: Mapping[str, Any] | None
    options: CheckOptions
    namespaces: list[NamespaceInfo]
    findings: list[Finding]  # the survey's
    state: dict[str, Any]  # the collector's counts and caps so far
    manifest: Manifest = field(default_factory=Manifest)  # JSON Lines: the counts it lists

    @property
    def files(self) -> list[str]:
        """The keys of the files whose rows are to be checked (readable, in order)."""
        if self.options.schema is not None:  # JSON Lines: every file, read line by line
            return [f.key for ns in self.namespaces for f in ns.files]
        return [f.key for ns in self.namespaces for f in ns.readable if f.group_rows]


def plan_of(scan: Scan, uri: str, storage_options: Mapping[str, Any] | None) -> CheckPlan:
    """Run a scan's survey and dimension probes (see `plan_check`)."""
    if isinstance(scan, DocumentScan):
        with ThreadPoolExecutor(scan.workers, thread_name_prefix="pinecone-prep") as pool:
            findings = list(scan.survey(pool))
        state = scan.collector.state()
        return CheckPlan(
            uri, storage_options, scan.options, scan.namespaces, findings, state, scan.manifest
        )
    with ThreadPoolExecutor(scan.workers, thread_name_prefix="pinecone-prep") as pool:
        rows = scan.rows(pool)
        try:
            findings = list(scan.plan(pool, rows))
        finally:
            rows.close()
    for file in (f for ns in scan.namespaces for f in ns.files):
        file.meta = None  # the tasks read their own footers
    return CheckPlan(
        uri,
        storage_options,
        scan.options,
        scan.namespaces,
        findings,
        scan.collector.state(),
    )


def _document_scan(plan: CheckPlan) -> DocumentScan:
    scan = DocumentScan(Store(plan.uri, plan.storage_options), plan.options, None)
    scan.manifest = plan.manifest
    return scan


def check_files(plan: CheckPlan, keys: Iterable[str]) -> list[FileResult]:
    """Check the rows of some of the plan's files (one task's share)."""
    wanted = set(keys)
    if plan.options.schema is not None:
        docs = _document_scan(plan)
        files = [f for ns in plan.namespaces for f in ns.files if f.key in wanted]
        with ThreadPoolExecutor(docs.workers, thread_name_prefix="pinecone-prep") as pool:
            return list(ordered_map(pool, docs.file_result, files, window=docs.workers))
    scan = Scan(Store(plan.uri, plan.storage_options), plan.options, None)
    results: list[FileResult] = []
    with ThreadPoolExecutor(scan.workers, thread_name_prefix="pinecone-prep") as pool:
        rows = scan.rows(pool, meter=False)
        try:
            for ns in plan.namespaces:
                files = [f for f in ns.readable if f.key in wanted]
                if files:
                    results += rows.run(files, ns.kind, ns.dimension)
        finally:
            rows.close()
    return results


def merge_check(plan: CheckPlan, results: Sequence[FileResult]) -> Report[Summary]:
    """The report of the whole prefix from the plan and every file's result."""
    scan = Scan(Store(plan.uri, plan.storage_options), plan.options, None)
    scan.collector.restore(plan.state)
    scan.namespaces = plan.namespaces
    by_key = {r.key: r for r in results}
    missing = [key for key in plan.files if key not in by_key]
    if missing:
        raise UsageError(f"no result for {len(missing)} file(s) of the plan, e.g. {missing[0]}")
    if plan.options.schema is not None:
        docs = _document_scan(plan)
        docs.collector.restore(plan.state)
        docs.namespaces = plan.namespaces
        adopted = docs.judged(lambda ns: (docs.adopt(f, by_key[f.key]) for f in ns.files))
        return Report([*plan.findings, *adopted], docs.summary())
    findings = list(plan.findings)
    merge = scan.merge()
    for ns in plan.namespaces:
        findings += merge.namespace(ns, (by_key[f.key] for f in ns.readable if f.key in by_key))
    findings += merge.finish()
    return Report(findings, scan.summary())
