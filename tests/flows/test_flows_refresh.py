from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from enrich.errors import InputError
from enrich.refresh import RefreshOutcome, RefreshSpec, UpstreamFile, load_state, refresh_lists

DAY = date(2026, 11, 22)


class FakeUpstream:
    def __init__(self, answers: dict[str, UpstreamFile]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, str, str | None]] = []

    def __call__(self, owner: str, repo: str, path: str, etag: str | None) -> UpstreamFile:
        self.calls.append((owner, repo, path, etag))
        return self.answers[f"{owner}/{repo}"]


def check(path: Path, list_id: str) -> int:
    text = path.read_text(encoding="utf-8")
    if "BROKEN" in text:
        raise InputError(str(path), "not a list")
    return text.count("\n* ")


def spec(lists: Path, list_id: str, upstream: str | None = "o/r", refresh: bool = True) -> RefreshSpec:
    return RefreshSpec(list_id, lists / f"{list_id}.md", upstream, "README.md", refresh)


def test_updates_only_changed_and_parsable_lists(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n* one\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# B\n* one\n", encoding="utf-8")
    (tmp_path / "c.md").write_text("# C\n* one\n", encoding="utf-8")
    (tmp_path / "d.md").write_text("# D\n* one\n", encoding="utf-8")
    fetch = FakeUpstream(
        {
            "o/a": UpstreamFile("ok", text="# A\n* one\n* two\n", etag='"e-a"'),
            "o/b": UpstreamFile("ok", text="# B\n* one\n", etag='"e-b"'),
            "o/c": UpstreamFile("ok", text="BROKEN", etag='"e-c"'),
            "o/d": UpstreamFile("not_found", message="o/d/README.md not found upstream"),
        }
    )
    specs = [spec(tmp_path, x, f"o/{x}") for x in "abcd"] + [spec(tmp_path, "e", None)]
    report = refresh_lists(tmp_path, specs, fetch, check, today=DAY)
    hist = tmp_path / "history"
    assert report.outcomes == (
        RefreshOutcome("a", "updated", "2 entries", hist / "a" / "2026-11-22.md"),
        RefreshOutcome("b", "unchanged", "same content upstream", hist / "b" / "2026-11-22.md"),
        RefreshOutcome(
            "c", "rejected", "new upstream version does not parse: not a list", hist / "c" / "2026-11-22.md"
        ),
        RefreshOutcome("d", "failed", "o/d/README.md not found upstream"),
        RefreshOutcome("e", "skipped", "no upstream to refresh from"),
    )
    assert report.offline_message is None
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == "# A\n* one\n* two\n"
    assert (tmp_path / "c.md").read_text(encoding="utf-8") == "# C\n* one\n"  # kept
    assert (hist / "c" / "2026-11-22.md").read_text(encoding="utf-8") == "BROKEN"  # every version kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.md", "c.md", "d.md", "history"]
    assert load_state(tmp_path) == {
        "a": {"etag": '"e-a"', "checked": "2026-11-22"},
        "b": {"etag": '"e-b"', "checked": "2026-11-22"},
        "c": {"etag": '"e-c"', "checked": "2026-11-22"},
    }


def test_conditional_request_sends_stored_etag(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("* one\n", encoding="utf-8")
    (tmp_path / "history").mkdir()
    (tmp_path / "history" / "refresh-state.json").write_text(
        json.dumps({"a": {"etag": '"e-1"', "checked": "2026-11-21"}}), encoding="utf-8"
    )
    fetch = FakeUpstream({"o/a": UpstreamFile("not_modified", etag='"e-1"')})
    report = refresh_lists(tmp_path, [spec(tmp_path, "a", "o/a")], fetch, check, today=DAY)
    assert fetch.calls == [("o", "a", "README.md", '"e-1"')]
    assert report.outcomes == (RefreshOutcome("a", "unchanged", "not modified upstream"),)
    assert load_state(tmp_path) == {"a": {"etag": '"e-1"', "checked": "2026-11-22"}}


def test_offline_stops_after_first_failure_and_keeps_copies(tmp_path: Path) -> None:
    for x in "ab":
        (tmp_path / f"{x}.md").write_text("* one\n", encoding="utf-8")
    fetch = FakeUpstream(
        {
            "o/a": UpstreamFile(
                "unreachable", message="github: unreachable (connection refused at 127.0.0.1:9)"
            )
        }
    )
    report = refresh_lists(
        tmp_path, [spec(tmp_path, "a", "o/a"), spec(tmp_path, "b", "o/b")], fetch, check, today=DAY
    )
    assert len(fetch.calls) == 1
    assert [o.status for o in report.outcomes] == ["unreachable", "unreachable"]
    assert report.offline_message == f"refresh: GitHub unreachable; using the checked-in lists in {tmp_path}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.md"]


def test_an_unchanged_version_is_not_stored_twice(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("* one\n", encoding="utf-8")
    fetch = FakeUpstream({"o/a": UpstreamFile("ok", text="* one\n* two\n", etag='"e"')})
    refresh_lists(tmp_path, [spec(tmp_path, "a", "o/a")], fetch, check, today=DAY)
    later = date(2026, 11, 23)
    report = refresh_lists(tmp_path, [spec(tmp_path, "a", "o/a")], fetch, check, today=later)
    kept = tmp_path / "history" / "a" / "2026-11-22.md"
    assert report.outcomes == (RefreshOutcome("a", "unchanged", "same content upstream", kept),)
    assert sorted(p.name for p in kept.parent.iterdir()) == ["2026-11-22.md"]


def test_damaged_state_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "history").mkdir()
    (tmp_path / "history" / "refresh-state.json").write_text("{not json", encoding="utf-8")
    assert load_state(tmp_path) == {}
