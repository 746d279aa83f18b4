from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from enrich.config import Endpoints
from enrich.settings import Settings

ENV_NAMES = [
    "ENRICH_LISTS_DIR",
    "ENRICH_OUT_DIR",
    "ENRICH_CACHE_DIR",
    "ENRICH_SOURCES",
    "ENRICH_TIMEOUT",
    "ENRICH_MAILTO",
    "ENRICH_ARXIV_URL",
    "ENRICH_S2_URL",
    "ENRICH_OPENALEX_URL",
    "ENRICH_CROSSREF_URL",
    "ENRICH_GITHUB_URL",
    "ENRICH_HF_URL",
    "GITHUB_TOKEN",
    "S2_API_KEY",
    "OPENALEX_API_KEY",
    "HF_TOKEN",
    "ENRICH_GITHUB_TOKEN_BLOCK",
    "ENRICH_SCHEDULE_CRON",
    "ENRICH_SCHEDULE_TIMEZONE",
    "ENRICH_SOURCE_CONCURRENCY",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    s = Settings()
    assert s.lists_dir == Path("data/raw")
    assert s.out_dir == Path("data/enriched")
    assert s.cache_dir == Path(".cache/enrich")
    assert s.sources == ("arxiv", "s2", "openalex", "crossref", "github", "hf")
    assert s.timeout == 30.0
    assert s.endpoints() == Endpoints()
    assert s.schedule_cron == "0 3 * * *"
    assert s.schedule_timezone == "UTC"


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ENRICH_MAILTO=me@example.org\nS2_API_KEY=s2-secret\n", encoding="utf-8")
    monkeypatch.setenv("ENRICH_SOURCES", "github, s2")
    monkeypatch.setenv("ENRICH_S2_URL", "http://127.0.0.1:8123/")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_abcdefghijklmnopqrstuvwxyz0123")
    monkeypatch.setenv("ENRICH_LISTS_DIR", "lists")
    s = Settings()
    assert s.sources == ("s2", "github")  # canonical order
    assert s.url("s2") == "http://127.0.0.1:8123"
    assert s.endpoints().s2 == "http://127.0.0.1:8123"
    assert s.lists_dir == Path("lists")
    creds = s.credentials()
    assert creds.github_token == SecretStr("ghp_abcdefghijklmnopqrstuvwxyz0123")
    assert creds.s2_api_key == SecretStr("s2-secret")
    assert creds.mailto == "me@example.org"
    assert creds.hf_token is None


def test_secrets_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_abcdefghijklmnopqrstuvwxyz0123")
    s = Settings()
    assert "ghp_abcdef" not in repr(s)
    assert "ghp_abcdef" not in str(s.public_dict())
    assert s.public_dict()["github_token"] == "set"
    assert s.public_dict()["hf_token"] == "unset"
    assert "ghp_abcdef" not in repr(s.credentials())


def test_secret_block_used_only_when_env_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENRICH_GITHUB_TOKEN_BLOCK", "gh-token")
    monkeypatch.setenv("ENRICH_HF_TOKEN_BLOCK", "hf-token")
    monkeypatch.setenv("HF_TOKEN", "hf_from_env")
    asked: list[str] = []

    def loader(name: str) -> str | None:
        asked.append(name)
        return {"gh-token": "from-block"}.get(name)

    creds = Settings().credentials(loader)
    assert creds.github_token == SecretStr("from-block")
    assert creds.hf_token == SecretStr("hf_from_env")
    assert asked == ["gh-token"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ENRICH_SOURCES", "github,nope", "unknown source(s) nope"),
        ("ENRICH_SCHEDULE_TIMEZONE", "Mars/Olympus", "is not an IANA time zone"),
        ("ENRICH_SCHEDULE_CRON", "0 3 * *", "is not a 5-field cron expression"),
        ("ENRICH_GITHUB_URL", "ftp://x", "is not an http(s) URL"),
    ],
)
def test_bad_values_are_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings()


def test_blank_secret_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "   ")
    assert Settings().credentials().github_token is None
