"""Pre-flight (issue 9, point 9): a bad path or setting is one line and exit 2 before any request.

Each case runs ``enrich run`` in-process with every API pointed at the double, and asserts from the
double's access log that not one request was made.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from enrich.cli import main
from enrich.errors import InputError
from enrich.preflight import PathSetting, check_paths
from fakeapis import FakeApis
from flows.cli_run import preflight

SETTING_VARS = (
    "ENRICH_OUT_DIR",
    "ENRICH_CACHE_DIR",
    "ENRICH_MAILTO",
    "ENRICH_TIMEOUT",
    "ENRICH_INTERVAL_SCALE",
    "GITHUB_TOKEN",
    "S2_API_KEY",
    "OPENALEX_API_KEY",
    "HF_TOKEN",
)


@pytest.fixture
def world(
    fake_apis: FakeApis, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[FakeApis, Path]]:
    for name in SETTING_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in fake_apis.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no stray .env
    lists = tmp_path / "raw"
    lists.mkdir()
    (lists / "l.md").write_text("# L\n\n- [BERT](https://arxiv.org/abs/1810.04805)\n")
    (tmp_path / "a-file").write_text("x")
    yield fake_apis, tmp_path


class Case(NamedTuple):
    args: list[str]
    env: dict[str, str]
    line: str


CASES = {
    "out under a file": Case(
        ["--out", "{tmp}/a-file/enriched"],
        {},
        "--out: {tmp}/a-file/enriched lies under {tmp}/a-file, which is a file, not a directory",
    ),
    "out is a file": Case(["--out", "{tmp}/a-file"], {}, "--out: {tmp}/a-file is a file, not a directory"),
    "out unwritable": Case(
        ["--out", "/proc/enrich-out"],
        {},
        "--out: /proc/enrich-out (cannot create it in /proc) is not writable",
    ),
    "out from the environment": Case(
        [],
        {"ENRICH_OUT_DIR": "{tmp}/a-file/x"},
        "ENRICH_OUT_DIR: {tmp}/a-file/x lies under {tmp}/a-file, which is a file, not a directory",
    ),
    "cache under a file": Case(
        ["--cache", "{tmp}/a-file/cache"],
        {},
        "--cache: {tmp}/a-file/cache lies under {tmp}/a-file, which is a file, not a directory",
    ),
    "cache http is a file": Case(
        ["--cache", "{tmp}"],
        {},
        "--cache: {tmp}/http is a file; the HTTP cache needs a directory there",
    ),
    "empty host": Case([], {"ENRICH_S2_URL": "http://"}, "ENRICH_S2_URL: has no host"),
    "empty host with a path": Case(
        [], {"ENRICH_OPENALEX_URL": "https:///works"}, "ENRICH_OPENALEX_URL: has no host"
    ),
    "port only": Case([], {"ENRICH_HF_URL": "http://:8080/hf"}, "ENRICH_HF_URL: has no host"),
    "bad port": Case(
        [], {"ENRICH_GITHUB_URL": "http://127.0.0.1:99999"}, "ENRICH_GITHUB_URL: has a port that"
    ),
    "url with a query": Case(
        [], {"ENRICH_CROSSREF_URL": "https://api.crossref.org?rows=1000"}, "ENRICH_CROSSREF_URL: may not hold"
    ),
    "url with user info": Case(
        [],
        {"ENRICH_S2_URL": "https://me:SECRETVALUE@proxy.example.org/s2"},
        "ENRICH_S2_URL: may not hold user info",
    ),
    "url with a newline": Case(
        [], {"ENRICH_ARXIV_URL": "https://export.arxiv.org\r\nX: y"}, "ENRICH_ARXIV_URL: holds whitespace"
    ),
    "mailto with CR/LF": Case(
        [],
        {"ENRICH_MAILTO": "ops@example.org\r\nX-Evil: 1"},
        "ENRICH_MAILTO: holds whitespace or a control character",
    ),
    "mailto not an address": Case([], {"ENRICH_MAILTO": "nobody"}, "ENRICH_MAILTO: is not an e-mail address"),
    "token with a newline": Case(
        [], {"GITHUB_TOKEN": "ghp_SECRETVALUE\nX-Evil: 1"}, "GITHUB_TOKEN: holds whitespace or a control"
    ),
    "key with a control char": Case(
        [], {"S2_API_KEY": "s2SECRETVALUE\x07"}, "S2_API_KEY: holds whitespace or a control"
    ),
    "infinite timeout": Case([], {"ENRICH_TIMEOUT": "inf"}, "ENRICH_TIMEOUT: "),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_setting_is_one_line_exit_2_and_no_request(
    name: str,
    world: tuple[FakeApis, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    apis, tmp = world
    case = CASES[name]
    (tmp / "http").write_text("not a directory")
    for key, value in case.env.items():
        monkeypatch.setenv(key, value.replace("{tmp}", str(tmp)))
    args = [a.replace("{tmp}", str(tmp)) for a in case.args]
    code = main(["run", "--lists", str(tmp / "raw"), *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1, err
    assert err.startswith("enrich run: error: " + case.line.replace("{tmp}", str(tmp))), err
    assert "Traceback" not in err and "SECRETVALUE" not in err
    assert apis.access_log() == []


def test_good_paths_pass_and_create_nothing(tmp_path: Path) -> None:
    out, cache = tmp_path / "new" / "enriched", tmp_path / "new" / "cache"
    assert check_paths(PathSetting("--out", out), PathSetting("--cache", cache), low_disk_bytes=0) == []
    assert not (tmp_path / "new").exists()
    assert list(tmp_path.iterdir()) == []  # the write probe left nothing behind


def test_a_nearly_full_disk_gives_a_warning_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(
        "enrich.preflight.shutil.disk_usage",
        lambda _p: shutil._ntuple_diskusage(real.total, real.total - 10 * 2**20, 10 * 2**20),  # type: ignore[attr-defined]
    )
    args = argparse.Namespace(out=None, cache=str(tmp_path / "cache"))
    preflight(args, out=tmp_path / "out", cache=tmp_path / "cache")
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        f"enrich run: warning: ENRICH_OUT_DIR {tmp_path / 'out'} is on a disk with 10 MiB free (below 512 MiB): "
        "the run may fail to write its cache or snapshot",
        f"enrich run: warning: --cache {tmp_path / 'cache'} is on a disk with 10 MiB free (below 512 MiB): "
        "the run may fail to write its cache or snapshot",
    ]


def test_cache_resolution_file_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "resolution.sqlite").mkdir()
    with pytest.raises(InputError, match=r"resolution.sqlite is a directory; the cache needs a file there"):
        check_paths(PathSetting("--out", tmp_path / "o"), PathSetting("--cache", tmp_path), low_disk_bytes=0)
