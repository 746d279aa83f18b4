"""Parsed entries share one object per repeated value (they live all night) without any value changing."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.ids import extract_ids
from enrich.parsing import parse_text
from enrich.parsing.api import _finish, _prepare
from enrich.parsing.entry import Draft, Entry, finalize_kind
from enrich.parsing.keys import work_keys

LIST = """# Papers

## Vision

- **Deep Residual Learning for Image Recognition**. *He, Zhang*. CVPR 2016. [paper](https://arxiv.org/abs/1512.03385)
- **Very Deep Convolutional Networks for Large Scale Image Recognition**. *He, Zhang*. CVPR 2016. [paper](https://arxiv.org/abs/1409.1556)

## Again

- **Deep Residual Learning for Image Recognition**. *He, Zhang*. CVPR 2016. [pdf](https://example.org/resnet.pdf)
"""


def test_repeated_values_are_one_object() -> None:
    a, b, c = parse_text(LIST, "papers")
    assert (
        (a.year, a.venue_raw, a.authors_raw)
        == (b.year, b.venue_raw, b.authors_raw)
        == (2016, "CVPR", "He, Zhang")
    )
    assert a.year is b.year is c.year and a.authors_raw is b.authors_raw is c.authors_raw
    assert a.venue_raw is b.venue_raw and a.section is b.section == "Vision"
    assert a.title is c.title and a.work_key == c.work_key and a.work_key is c.work_key
    assert a.list_id is b.list_id is c.list_id and a.parse_shape is b.parse_shape


TEXT = st.sampled_from(["", "Deep nets", "Deep nets for the many tasks we do", "A b c d e f g h", "数据 集"])
URLS = st.lists(
    st.sampled_from(
        ["https://arxiv.org/abs/1512.03385", "https://github.com/a/b", "https://example.org/x",
         "https://doi.org/10.1038/nature14539", "https://huggingface.co/datasets/o/d"]
    ),
    max_size=3,
).map(tuple)  # fmt: skip
DRAFT = st.builds(
    Draft,
    line=st.integers(1, 5000),
    section=st.sampled_from([None, "A", "A > B"]),
    name=st.none() | TEXT,
    title=st.none() | TEXT,
    authors_raw=st.none() | TEXT,
    year=st.none() | st.integers(1990, 2030),
    venue_raw=st.none() | st.sampled_from(["CVPR", "arXiv"]),
    urls=URLS,
    description=st.none() | TEXT,
    shape=st.sampled_from(["bold_name", "dated", "table_row"]),
    confidence=st.sampled_from([0.4, 1.0]),
)


def _unshared(entry_id: str, list_id: str, d: Draft, kind: str, key: str) -> Entry:
    """The entry as made before values were shared: every field straight from the draft."""
    ids = extract_ids(d.urls)
    return Entry(
        entry_id=entry_id, list_id=list_id, line=d.line, section=d.section, kind=kind, name=d.name,
        title=d.title, authors_raw=d.authors_raw, year=d.year, venue_raw=d.venue_raw,
        arxiv_id=ids.arxiv_id, arxiv_version=ids.arxiv_version, doi=ids.doi, pmcid=ids.pmcid,
        pmid=ids.pmid, acl_id=ids.acl_id, s2_corpus_id=ids.corpus_id, github_repo=ids.github_repo,
        hf_id=ids.hf_id, hf_kind=ids.hf_kind, urls=d.urls, work_key=key, description=d.description,
        citation_raw=d.citation_raw, parse_shape=d.shape, parse_confidence=d.confidence,
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(DRAFT, max_size=12))
def test_sharing_changes_no_value(drafts: list[Draft]) -> None:
    pres = _prepare("l", drafts)
    entries = _finish(pres)
    keys = work_keys((p.entry_id, p.draft.name, p.draft.title, p.ids, p.draft.urls) for p in pres)
    expected = [
        _unshared(p.entry_id, "l", p.draft, finalize_kind(p.draft, p.ids), k)
        for p, k in zip(pres, keys, strict=True)
    ]
    assert entries == expected
    for got, want in zip(entries, expected, strict=True):  # same types too (== would take 1 for True)
        assert [type(v) for v in dataclasses.astuple(got)] == [type(v) for v in dataclasses.astuple(want)]
    for a in entries:
        for b in entries:
            if a.work_key == b.work_key:
                assert a.work_key is b.work_key  # one key object per work
