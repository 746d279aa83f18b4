"""The one markup stripper (enrich.markup.strip_tags) as each of its callers uses it: exact outputs."""

from __future__ import annotations

from enrich.clients.crossref import strip_jats
from enrich.markup import strip_tags
from enrich.resolve.match import compare_titles
from enrich.tables.text import clean_text


def test_snapshot_text_tags_become_spaces_and_entities_are_decoded() -> None:
    assert clean_text("<p>Deep &amp; wide</p><p>nets</p>") == "Deep & wide nets"
    assert clean_text("a <x_y.z>b</x_y.z>") == "a b"  # xml names: "_" and "." allowed
    assert clean_text(" <br/> ") is None


def test_titles_compare_with_tags_dropped_in_place_and_entities_kept() -> None:
    assert strip_tags("H<sub>2</sub>O  splitting", tags="html", gap="", unescape=False) == "H2O splitting"
    assert strip_tags("n<k_2 and m>3 &amp;", tags="html", gap="", unescape=False) == "n<k_2 and m>3 &amp;"
    same = compare_titles("<i>H</i><sub>2</sub>O splitting by light", "H2O splitting by light")
    assert (same.similarity, same.unmatched, same.typos) == (1.0, (), 0)


def test_crossref_abstracts_drop_every_tag_and_their_section_titles() -> None:
    assert (
        strip_jats("<jats:title>Abstract</jats:title><jats:p>a &amp; b<jats:sup>2</jats:sup></jats:p>")
        == "a & b2"
    )
    assert strip_tags("a<>b <c", tags="any", gap="", unescape=True) == "a<>b <c"
