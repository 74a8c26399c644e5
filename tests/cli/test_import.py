"""`pinecone-prep check --index/--cloud`, `import` and `imports`: output, exit codes, no secrets.

Same setup as test_import.py: the fake Pinecone API and import prefixes on a local moto S3.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import Any

import pytest

from pinecone_prep._cli import build_parser
from pinecone_prep._cli.commands import cmd_import
from tests.support.cli import run
from tests.support.fake_pinecone import FakePinecone
from tests.support.fake_pinecone_state import Fault, ImportStep, document_schema
from tests.support.pinecone_sources import VALID, Source, check_argv, import_argv
from tests.support.pinecone_sources import s3_sources as s3_sources  # module-scoped S3 prefixes


@pytest.fixture
def fake(fake_pinecone: FakePinecone, monkeypatch: pytest.MonkeyPatch) -> FakePinecone:
    monkeypatch.setenv("PINECONE_API_KEY", fake_pinecone.api_key)
    fake_pinecone.add_index("docs", dimension=8)
    return fake_pinecone


@pytest.fixture
def valid(s3_sources: dict[str, Source]) -> Source:
    return s3_sources["valid"]


def test_import_completes_and_reconciles(
    fake: FakePinecone, valid: Source, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.state.import_scripts[valid.uri] = [
        ImportStep("Pending", 0.0, 0),
        ImportStep("InProgress", 50.0, 12),
        ImportStep("InProgress", 100.0, 25),
        ImportStep("InProgress", 100.0, 25),
        ImportStep("Completed", 100.0, 25),
    ]
    code, out, err = run(capsys, *import_argv(fake, valid))
    assert code == 0, err
    assert "VALID" in out and "import 1 started" in out and "error mode abort" in out
    assert "Completed[/]" not in out and "25 of 25 records imported" in out
    # Without a terminal there is no bar: each new phase is a line, for CI logs.
    assert err.splitlines() == [
        "import 1: Pending",
        "import 1: InProgress",
        "import 1: InProgress (all records read; Pinecone is indexing them)",
        "import 1: Completed",
    ]
    (request,) = fake.calls("POST", "/bulk/imports")
    assert request.body["errorMode"] == {"onError": "abort"}


def test_import_json_is_report_and_import(
    fake: FakePinecone, valid: Source, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.state.import_scripts[valid.uri] = [ImportStep("Completed", 100.0, 22)]
    code, out, err = run(
        capsys, *import_argv(fake, valid, "--error-mode", "continue", "--format", "json")
    )
    assert code == 1 and err == ""
    data = json.loads(out)
    assert list(data) == ["report", "import"] and data["report"]["valid"] is True
    result = data["import"]
    assert (result["status"], result["error_mode"], result["records_expected"]) == (
        "Completed",
        "continue",
        25,
    )
    assert (result["records_imported"], result["records_missing"], result["reconciled"]) == (
        22,
        3,
        False,
    )


@pytest.mark.parametrize(
    ("step", "says"),
    [
        (
            ImportStep("Completed", 100.0, 22),
            "22 of 25 imported; 3 skipped by continue mode without saying which",
        ),
        (
            ImportStep("Completed", 100.0, 22, validation=(22, 3)),
            "3 skipped by continue mode without saying which (Pinecone's validation rejected 3)",
        ),
        (
            ImportStep("Completed", 100.0, 25, validation=(25, 2)),
            "Completed, but: 25 of 25 records imported; Pinecone's validation saw 27 records"
            " (25 valid, 2 rejected) where the check counted 25",
        ),
    ],
)
def test_continue_mode_names_the_skipped_records(
    fake: FakePinecone,
    valid: Source,
    capsys: pytest.CaptureFixture[str],
    step: ImportStep,
    says: str,
) -> None:
    fake.state.import_scripts[valid.uri] = [step]
    code, out, _ = run(capsys, *import_argv(fake, valid, "--error-mode", "continue"))
    assert code == 1 and says in out


def test_failed_import_exits_1_with_pinecone_reason_and_what_now(
    fake: FakePinecone, valid: Source, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = "Invalid parquet file: products/part-0000.parquet"
    wrote = {"__default__": 4, "articles": 15}
    fake.state.import_scripts[valid.uri] = [ImportStep("Failed", 80.0, 19, reason, None, wrote)]
    code, out, _ = run(capsys, *import_argv(fake, valid))
    assert code == 1
    assert f"Failed: {reason} (19 of 25 records imported before it stopped)" in out
    assert "what now:" in out and "namespaces '__default__', 'articles' now exist" in out
    fake.add_index("docs", dimension=8)
    fake.state.import_scripts[valid.uri] = [ImportStep("Failed", 80.0, 19, reason, None, wrote)]
    code, out, _ = run(capsys, *import_argv(fake, valid, "--format", "json"))
    data = json.loads(out)["import"]
    assert (data["records_imported"], data["leftover_namespaces"]) == (19, list(wrote))
    assert "(L007)" in data["advice"]


@pytest.mark.parametrize(
    ("index", "code"),
    [({"schema": document_schema()}, "P003"), ({"embed_model": "llama-text-embed-v2"}, "P002")],
)
def test_an_index_that_takes_no_parquet_is_refused_before_any_request(
    fake: FakePinecone,
    valid: Source,
    capsys: pytest.CaptureFixture[str],
    index: dict[str, Any],
    code: str,
) -> None:
    fake.add_index("docs", **index)
    exit_code, out, err = run(capsys, *import_argv(fake, valid))
    assert exit_code == 1 and f"{code} error x1" in out and "INVALID" in out and "refused" in err
    exit_code, out, _ = run(
        capsys, *check_argv(valid, "--index", "docs", "--pinecone-host", fake.url)
    )
    assert exit_code == 1 and json.loads(out)["summary"]["error_codes"] == [code]
    assert not fake.calls("POST", "/bulk/imports")


def test_duplicate_starts_are_named(
    fake: FakePinecone, valid: Source, capsys: pytest.CaptureFixture[str]
) -> None:
    lost = Fault("POST", "^/bulk/imports$", 500, "lost", "INTERNAL", 1, True, retry_after="0")
    fake.state.faults.append(lost)
    code, out, err = run(capsys, *import_argv(fake, valid, "--no-wait"))
    assert code == 0 and "import 2 started" in out
    assert "warning: another import of this URI is running: 1" in err
    assert "pinecone-prep imports cancel 1 --index docs" in err
    fake.state.faults.append(replace(lost, times=None))
    code, _, err = run(capsys, *import_argv(fake, valid))
    assert code == 3 and "an import of this URI is already running: 1, 2, 3, 4, 5, 6" in err


def test_bad_api_key_exits_3_without_the_key(
    fake: FakePinecone,
    valid: Source,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "pcsk_WRONG_SECRET_987"
    monkeypatch.setenv("TEAM_PINECONE_KEY", secret)
    code, out, err = run(capsys, *import_argv(fake, valid, "--api-key-env", "TEAM_PINECONE_KEY"))
    assert code == 3
    assert "refused the API key" in err
    assert secret not in out + err
    code, _, err = run(capsys, *import_argv(fake, valid, "--api-key-env", "UNSET_VARIABLE_X"))
    assert code == 2 and "UNSET_VARIABLE_X is not set" in err


def test_no_wait_prints_the_id_and_returns(
    fake: FakePinecone, valid: Source, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, *import_argv(fake, valid, "--no-wait"))
    assert code == 0
    assert "import 1 started" in out and "pinecone-prep imports describe 1 --index docs" in out
    assert not fake.calls("GET", "/bulk/imports/1")


def test_local_prefix_is_a_usage_error(
    fake: FakePinecone, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["import", str(VALID), "--index", "docs", "--pinecone-host", fake.url]
    code, _, err = run(capsys, *argv)
    assert code == 2 and "Pinecone cannot read" in err
    assert fake.requests == []


def test_timeout_stops_following_and_leaves_the_import_running(
    fake: FakePinecone, valid: Source, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.state.import_scripts[valid.uri] = [ImportStep("InProgress", 10.0, 0)] * 1000
    # Long enough for two polls on a loaded machine (the SDK client is built within it).
    code, out, err = run(capsys, *import_argv(fake, valid, "--timeout", "1"))
    assert code == 1, err
    assert "still InProgress (10%) at the --timeout" in out
    assert "imports describe 1 --index docs" in out
    polls = fake.calls("GET", "/bulk/imports/1")
    assert 2 <= len(polls) < 1000 and not fake.calls("DELETE")


def _interrupt(_: float) -> None:
    raise KeyboardInterrupt


def interrupted(
    fake: FakePinecone, source: Source, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """`import` of an import still running when the user presses Ctrl-C while following it:
    the command's clock (`sleep`) raises where the wait between two polls would be."""
    fake.state.import_scripts[source.uri] = [ImportStep("InProgress", 10.0, 0)]
    args = build_parser().parse_args(import_argv(fake, source))
    code = cmd_import(args, sleep=_interrupt)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def test_ctrl_c_without_a_terminal_leaves_the_import_running(
    fake: FakePinecone, valid: Source, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = interrupted(fake, valid, capsys)
    assert code == 130
    assert "import 1 keeps running" in err and "imports describe 1 --index docs" in err
    assert len(fake.calls("GET", "/bulk/imports/1")) == 1 and not fake.calls("DELETE")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_ctrl_c_on_a_terminal_asks_and_cancels(
    fake: FakePinecone,
    valid: Source,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", _Terminal("y\n"))
    code, _, err = interrupted(fake, valid, capsys)
    assert code == 130 and "import 1: Cancelled" in err
    assert len(fake.calls("DELETE", "/bulk/imports/1")) == 1


def test_imports_list_describe_cancel(
    fake: FakePinecone, capsys: pytest.CaptureFixture[str]
) -> None:
    failed = [ImportStep("Failed", 3.0, 0, "No namespace detected")]
    first = fake.seed_import("docs", "s3://b/bad/", failed)
    running = [ImportStep("InProgress", 60.0, 6, validation=(6, 1))]
    second = fake.seed_import("docs", "s3://b/run/", running)
    common = ["--index", "docs", "--pinecone-host", fake.url]
    code, out, _ = run(capsys, "imports", "list", *common, "--format", "json")
    assert code == 0 and [i["id"] for i in json.loads(out)] == [first, second]
    code, out, _ = run(capsys, "imports", "list", *common)
    assert code == 0 and "No namespace detected" in out and "60.0%" in out
    assert "validation: 6 valid, 1 rejected" in out
    code, out, _ = run(capsys, "imports", "describe", first, *common, "--format", "json")
    assert code == 0 and json.loads(out)["error"] == "No namespace detected"
    code, out, _ = run(capsys, "imports", "cancel", second, *common)
    assert code == 0 and "Cancelled" in out
    code, _, err = run(capsys, "imports", "describe", "77", *common)
    assert code == 3 and "describe import 77" in err


def test_check_against_a_live_index(
    fake: FakePinecone, valid: Source, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.add_index("docs", dimension=8, namespaces={"products": 1}, cloud="gcp")
    code, out, _ = run(capsys, *check_argv(valid, "--index", "docs", "--pinecone-host", fake.url))
    assert code == 1
    assert json.loads(out)["summary"]["error_codes"] == ["L007", "L010"]
    assert not fake.calls("POST", "/bulk/imports")


@pytest.mark.parametrize(
    ("extra", "code", "codes"),
    [
        (["--cloud", "gcp", "--kind", "dense"], 1, ["L010"]),
        (["--cloud", "aws", "--kind", "hybrid", "--dimension", "8"], 0, []),
        (["--cloud", "aws", "--kind", "sparse"], 1, ["S010"]),
        (["--cloud", "gcp"], 2, None),  # an offline index needs its kind
        (["--cloud", "gcp", "--kind", "dense", "--index", "docs"], 2, None),  # one or the other
    ],
)
def test_check_against_an_index_described_by_hand(
    valid: Source,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    code: int,
    codes: list[str] | None,
) -> None:
    got, out, _ = run(capsys, *check_argv(valid, *extra))
    assert got == code
    if codes is not None:
        summary: dict[str, Any] = json.loads(out)["summary"]
        assert summary["error_codes"] == codes
