"""Temporary manifest files left by a crash inside an atomic write are cleaned (issue 9, point 10)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from enrich.snapshot import list_snapshots, read_manifest, recover, write_snapshot

from .helpers import D1, D2, T1, T2, build, lora_night, manifest


class Crash(BaseException):
    """Stands in for the process dying between the temporary file's fsync and its rename."""


def test_a_crash_inside_the_manifest_write_leaves_a_tmp_that_the_next_write_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_snapshot(tmp_path, build(lora_night(T1), D1), manifest(D1, "night-1"))
    real_replace = Path.replace

    def crash_on_manifest(self: Path, target: Path) -> Path:  # type: ignore[override]
        if Path(target).parent.name == "manifests":
            raise Crash()
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", crash_on_manifest)
    # the finally-clause of _write_atomic would remove the tmp on an exception; a killed process runs
    # no finally, so the crash leaves it behind exactly as a SIGKILL would
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: None)
    with pytest.raises(Crash):
        write_snapshot(tmp_path, build(lora_night(T2), D2), manifest(D2, "night-2"))
    monkeypatch.undo()
    leftovers = sorted(p.name for p in (tmp_path / "manifests").glob(".*.tmp-*"))
    assert len(leftovers) == 1 and leftovers[0].startswith(f".{D2.isoformat()}.json.tmp-")
    # the commit record was written before the manifest, so readers already see night two whole
    # (through the journal), never half of it
    assert list_snapshots(tmp_path) == [D1, D2]
    assert read_manifest(tmp_path, D2).run_id == "night-2"

    assert recover(tmp_path) == [D2]  # the committed write is completed...
    assert list((tmp_path / "manifests").glob(".*.tmp-*")) == []  # ...and the leftover removed
    assert read_manifest(tmp_path, D2).run_id == "night-2"


def test_stray_tmp_files_are_removed_by_the_next_write(tmp_path: Path) -> None:
    write_snapshot(tmp_path, build(lora_night(T1), D1), manifest(D1, "night-1"))
    stray = tmp_path / "manifests" / f".{D1.isoformat()}.json.tmp-0badc0de"
    stray.write_bytes(b'{"half": ')
    keep = tmp_path / "manifests" / "notes.txt"
    keep.write_text("not ours")
    write_snapshot(tmp_path, build(lora_night(T2), D2), manifest(D2, "night-2"))
    assert not stray.exists()
    assert keep.exists()
    assert list_snapshots(tmp_path) == [D1, D2]
    assert sorted(os.listdir(tmp_path / "manifests")) == [f"{D1}.json", f"{D2}.json", "notes.txt"]
