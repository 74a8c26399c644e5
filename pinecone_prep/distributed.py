"""The engine-agnostic pieces of a distributed write and check, for Dask and Spark (see
`pinecone_prep.dask`, `pinecone_prep.spark`) and for any other scheduler.

Write: on the driver, `with write_job(root) as job:`; fix the kind and dimension, e.g. with
`kind, dimension = probe(sample)` over the first rows; in each task, `stage(data, root,
job=job, part=ID, dimension=dimension, kind=kind)` (so that every part agrees); then
`publish(root, parts)` on the driver, inside the block.

Check: `plan = plan_check(uri, ...)` on the driver; in tasks, `check_files(plan, keys)` for
shares of `plan.files` (whole files); `merge_check(plan, results)` on the driver gives the
same report as `check(uri, ...)`.
"""

from ._check.api import plan_check
from ._check.parts import CheckPlan, check_files, merge_check
from ._check.rows import FileResult
from ._write.api import probe, publish, stage, write_job
from ._write.model import StagedPart

__all__ = [
    "CheckPlan",
    "FileResult",
    "StagedPart",
    "check_files",
    "merge_check",
    "plan_check",
    "probe",
    "publish",
    "stage",
    "write_job",
]
