"""entries.link_check end to end: parsed entries -> resolve_works -> build_tables (exact rows)."""

from __future__ import annotations

from enrich.resolve.cluster import resolve_works
from enrich.resolve.idmap import title_key
from enrich.tables import build_tables

from .helpers import D1, entry, paper, wrec

BIOGPT = "BioGPT: generative pre-trained transformer for biomedical text generation and mining"
ACL_TITLE = "Entity-Enriched Neural Models for Clinical Question Answering"
ACL_ID = "2020.bionlp-1.12"


def test_entries_rows_carry_link_check_and_the_wrong_row_its_own_work() -> None:
    key = f"acl:{ACL_ID}"  # the parser joined both rows by the shared ACL id
    entries = [
        paper("l:1", "l", 1, ACL_TITLE, acl_id=ACL_ID, work_key=key),
        paper("l:2", "l", 2, BIOGPT, acl_id=ACL_ID, work_key=key),
        entry("l:3", "l", 3, "Tools", "repo", "biogpt", None, github_repo="microsoft/biogpt"),
    ]
    records = [wrec("s2", f"ACL:{ACL_ID}", title=ACL_TITLE, acl_id=ACL_ID)]
    resolved = resolve_works(entries, records, {})
    tables = build_tables(entries, resolved, [], [], snapshot_date=D1, previous=None)
    rows = tables.entries.select(["entry_id", "work_id", "link_check"]).to_pylist()
    assert rows == [
        {"entry_id": "l:1", "work_id": f"acl:{ACL_ID}", "link_check": "ok"},
        {"entry_id": "l:2", "work_id": title_key(BIOGPT), "link_check": "title_mismatch"},
        {"entry_id": "l:3", "work_id": None, "link_check": None},
    ]
    works = tables.works.select(["work_id", "title", "acl_id"]).to_pylist()
    assert works == [
        {"work_id": f"acl:{ACL_ID}", "title": ACL_TITLE, "acl_id": ACL_ID},
        {"work_id": title_key(BIOGPT), "title": BIOGPT, "acl_id": None},
    ]
