"""``enrich run`` / ``enrich serve`` argument handling that needs no Prefect engine."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from enrich.cli import main
from enrich.errors import InputError
from flows import cli_run, cli_serve


def test_bad_date_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["run", "--date", "2026-13-01", "--lists", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == "enrich run: error: --date: '2026-13-01' is not a date in the form YYYY-MM-DD\n"


def test_missing_lists_dir_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    assert main(["run", "--lists", str(missing)]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"enrich run: error: {missing}: no such directory (--lists takes a directory of list files)\n"
    )


def test_directory_without_lists_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("x", encoding="utf-8")
    assert main(["run", "--lists", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"enrich run: error: {tmp_path}: no list files (.markdown, .md, .txt) in this directory\n"
    )


def test_unknown_source_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "--sources", "s2,nope"])
    assert exc.value.code == 2
    assert "unknown source(s) nope" in capsys.readouterr().err


def test_sources_accept_commas_and_spaces() -> None:
    parser = argparse.ArgumentParser()
    cli_run.add_arguments(parser)
    args = parser.parse_args(["--sources", "s2,github", "hf"])
    assert [s for group in args.sources for s in group] == ["s2", "github", "hf"]


def test_prepare_prefect_env_keeps_user_values_and_finds_a_writable_home(tmp_path: Path) -> None:
    blocked = tmp_path / "home-file"
    blocked.write_text("", encoding="utf-8")  # HOME/.prefect cannot be created under a file
    env = {"HOME": str(blocked), "PREFECT_SERVER_ANALYTICS_ENABLED": "true"}
    cli_run.prepare_prefect_env(tmp_path / "cache", verbose=0, environ=env)
    assert env["PREFECT_HOME"] == str((tmp_path / "cache" / "prefect-home").resolve())
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "true"  # the user's choice stays
    assert env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "120"
    assert env["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] == "CRITICAL"
    writable = {"HOME": str(tmp_path)}
    cli_run.prepare_prefect_env(tmp_path / "cache", verbose=1, environ=writable)
    assert "PREFECT_HOME" not in writable  # Prefect's default (~/.prefect) is fine
    assert writable["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] == "INFO"


def test_serve_rejects_bad_timezone_and_cron(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--timezone", "Mars/Olympus"]) == 2
    assert capsys.readouterr().err == (
        "enrich serve: error: --timezone: 'Mars/Olympus' is not an IANA time zone (e.g. 'Europe/Berlin')\n"
    )
    assert main(["serve", "--cron", "every night"]) == 2
    assert capsys.readouterr().err == (
        "enrich serve: error: --cron: 'every night' is not a 5-field cron expression (e.g. '0 3 * * *')\n"
    )


def test_serve_schedule_is_timezone_aware() -> None:
    parser = argparse.ArgumentParser()
    cli_serve.add_arguments(parser)
    args = parser.parse_args(["--cron", "30 2 * * *", "--timezone", "Europe/Berlin"])
    schedule = cli_serve.build_schedule(cli_serve.schedule_settings(args))
    assert (schedule.cron, schedule.timezone) == ("30 2 * * *", "Europe/Berlin")
    assert args.name == "nightly"


def _existing(**changes: object) -> cli_serve.ExistingDeployment:
    fields: dict[str, object] = {
        "name": "nightly/nightly",
        "paused": True,
        "ready": True,
        "work_pool": None,
        "schedules": ("'0 3 * * *' (UTC)",),
    }
    fields.update(changes)
    return cli_serve.ExistingDeployment(**fields)  # type: ignore[arg-type]


def test_serve_takes_over_a_deployment_its_last_serve_left_paused() -> None:
    assert cli_serve.check_existing(None, "'0 3 * * *' (UTC)", "--name nightly") is None
    assert cli_serve.check_existing(_existing(), "'0 3 * * *' (UTC)", "--name nightly") is None
    # killed long ago (not paused, no longer polled): taken over too
    assert cli_serve.check_existing(_existing(paused=False, ready=False), "'0 3 * * *' (UTC)", "-") is None
    assert cli_serve.check_existing(_existing(), "'0 4 * * *' (Europe/Berlin)", "--name nightly") == (
        "deployment nightly/nightly: schedule '0 3 * * *' (UTC) replaced by '0 4 * * *' (Europe/Berlin)"
    )


def test_serve_refuses_a_deployment_another_runner_or_a_worker_runs() -> None:
    with pytest.raises(InputError) as served:
        cli_serve.check_existing(_existing(paused=False), "'0 4 * * *' (UTC)", "--name nightly")
    assert str(served.value) == (
        "--name nightly: deployment nightly/nightly is already being served by another `enrich serve`; "
        "stop it first (a killed one counts for about a minute) or choose another --name"
    )
    with pytest.raises(InputError) as pooled:
        cli_serve.check_existing(_existing(work_pool="enrich-pool"), "'0 3 * * *' (UTC)", "--name nightly")
    assert str(pooled.value) == (
        "--name nightly: deployment nightly/nightly already exists and runs on work pool 'enrich-pool' "
        "(made by `prefect deploy`); choose another --name"
    )


def _result(partial: bool, manifest_path: Path = Path("out/manifests/2026-11-22.json")) -> object:
    from datetime import date

    from flows.nightly import NightlyResult

    return NightlyResult(
        snapshot_date=date(2026, 11, 22),
        manifest_path=manifest_path,
        partial=partial,
        messages=("s2: unreachable (connection refused at 127.0.0.1:9)",) if partial else (),
        problems=(),
        summary_markdown="# x\n",
        notes=("refresh: GitHub unreachable; using the checked-in lists in data/raw",) if partial else (),
    )


@pytest.mark.parametrize(
    ("partial", "code", "err"),
    [
        (False, 0, ""),
        (
            True,
            3,
            "enrich run: refresh: GitHub unreachable; using the checked-in lists in data/raw\n"
            "enrich run: s2: unreachable (connection refused at 127.0.0.1:9)\n",
        ),
    ],
)
def test_report_exit_codes(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    partial: bool,
    code: int,
    err: str,
) -> None:
    import json

    from prefect.states import Completed

    from flows.cli_run import _console, report

    monkeypatch.chdir(tmp_path)
    manifest = Path("out/manifests/2026-11-22.json")
    manifest.parent.mkdir(parents=True)
    s2 = {"requests": 2, "ok": 2, "not_found": 0, "errors": 0, "deferred": 0, "unreachable": False}
    if partial:
        s2 = {
            **s2,
            "ok": 0,
            "unreachable": True,
            "message": "s2: unreachable (connection refused at 127.0.0.1:9)",
        }
    github = {"requests": 3, "ok": 1, "not_found": 1, "errors": 1, "deferred": 0, "unreachable": False}
    tables = {"entries": 4, "works": 2, "repos": 1, "hf_items": 1}
    manifest.write_text(
        json.dumps({"sources": {"s2": s2, "github": github}, "tables": tables}), encoding="utf-8"
    )
    assert report(Completed(data=_result(partial, manifest)), _console(), Path("out")) == code
    captured = capsys.readouterr()
    assert captured.err.startswith(err)
    state = "partial" if partial else "complete"
    expected = f"snapshot 2026-11-22 ({state}) written to out; manifest out/manifests/2026-11-22.json\n"
    assert captured.err.endswith(expected)
    mark = "⚠" if partial else "✓"
    first = f"{mark} snapshot 2026-11-22 {state}: 4 entries, 2 works, 1 repos, 1 hf_items\n"
    s2_line = (
        "✗ s2: failed (no answer tonight; earlier values, if any, are kept)"
        if partial
        else "✓ s2: 2 ok (2 requests)"
    )
    assert captured.out == first + s2_line + "\n⚠ github: 1 ok, 1 not found, 1 errors (3 requests)\n"


def test_report_failure_is_one_redacted_line(capsys: pytest.CaptureFixture[str]) -> None:
    from prefect.states import Failed

    from flows.cli_run import _console, report

    boom = RuntimeError("token ghp_abcdefghijklmnopqrstuvwxyz0123 rejected")
    assert report(Failed(data=boom), _console(), Path("out")) == 1
    assert capsys.readouterr().err == "enrich run: failed: RuntimeError: token *** rejected\n"


def test_report_input_error_in_the_flow_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from prefect.states import Failed

    from enrich.errors import InputError
    from flows.cli_run import _console, report

    assert (
        report(Failed(data=InputError("lists/lists.toml", "unreadable manifest")), _console(), Path("out"))
        == 2
    )
    assert capsys.readouterr().err == "enrich run: error: lists/lists.toml: unreadable manifest\n"
