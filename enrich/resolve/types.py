"""The hand-over between resolution (``enrich.resolve``) and table building (``enrich.tables``).

Resolution turns parsed entries plus source records into clusters: one :class:`ResolvedWork` per
distinct scholarly work across all lists (preprint and published merged, arXiv versions collapsed).
Table building turns these, with repo and Hugging Face records, into the snapshot tables.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from enrich.ids import Ids
from enrich.records import WorkRecord


class MatchMethod(enum.StrEnum):
    """How an entry was tied to its work (stored as ``match_method``)."""

    IDENTIFIER = "identifier"  # an id read off the entry (arXiv, DOI, PMID, ...) was found by a source
    CROSSWALK = "crosswalk"  # joined through another source's id map (S2 externalIds, OpenAlex ids)
    TITLE = "title"  # title search + verification accepted a candidate
    LOCAL = "local"  # nothing resolved remotely: the work rests on the entry's own ids/title only
    ABSTAINED = "abstained"  # title candidates were too close to call; no remote data attached


class LinkCheck(enum.StrEnum):
    """Does the work an entry's identifier names carry the entry's title? (stored as ``link_check``)"""

    OK = "ok"  # a source found the id and its title matches the entry's title or name
    TITLE_MISMATCH = "title_mismatch"  # the id names a work whose title does not match at all
    ID_NOT_FOUND = "id_not_found"  # every source asked about the id said it does not exist
    UNCHECKED = "unchecked"  # no title to compare, no answer tonight, or not a paper row


@dataclass(frozen=True, slots=True)
class MatchEvidence:
    """Why a title-only entry was (or was not) tied to a work."""

    method: MatchMethod
    score: float | None = None  # calibrated, 0..1
    source: str | None = None  # which search endpoint supplied the accepted candidate
    candidate_title: str | None = None
    title_similarity: float | None = None
    year_agrees: bool | None = None
    first_author_agrees: bool | None = None


@dataclass(frozen=True, slots=True)
class ResolvedWork:
    """One work after resolution.

    ``work_id`` is stable across runs: a readable prefixed id (``arxiv:2303.13375``, ``doi:10.1038/x``,
    ``title:<16 hex>``) taken from the first identifier present in the order arxiv > doi > pmid > pmcid
    > acl > corpus id > openalex > normalised title (arXiv first, so a preprint that later gains its
    journal DOI keeps its id), and remembered across nights by ``enrich.resolve.idmap.WorkIdMap`` so a
    work that gains ids or merges keeps its first-assigned id. ``records`` are every source's views
    that belong to it (see the field's comment).
    """

    work_id: str
    ids: Ids
    entry_ids: tuple[str, ...]
    work_keys: tuple[str, ...]  # the parse-time local keys that were merged into this work
    evidence: MatchEvidence
    # every source's records of the work; from resolve_works a RecordView into the night's
    # WorkRecords (enrich.records_arrow): each read makes them again (read many with materialise)
    records: Sequence[WorkRecord] = field(default=())
    local_title: str | None = None  # the best title read off the entries (fallback when no source answered)
    local_year: int | None = None
    local_authors: tuple[str, ...] = ()
    # (entry_id, evidence) for every entry of the work: how that entry was tied to it (the work-level
    # ``evidence`` is the strongest of these: identifier > crosswalk > title > abstained > local)
    entry_evidence: tuple[tuple[str, MatchEvidence], ...] = field(default=())
    # (entry_id, link check) for every entry of the work that carries a paper identifier
    link_checks: tuple[tuple[str, LinkCheck], ...] = field(default=())
