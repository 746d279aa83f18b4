"""Normalise parsed entries, resolved works and source records into the snapshot tables.

Everything here is pure: the same inputs give the same tables (rows sorted by key, no clock read;
the only times inside are the records' own ``fetched_at``). Fetching is elsewhere.

Choices (docs/snapshots.md documents them for analysts):

* **One row per thing.** Works come de-duplicated from resolution (one :class:`ResolvedWork` each);
  repos are keyed by lower-case ``owner/name`` and renames are followed (the new name becomes the
  ``repo_id``, old names go to ``previous_names``, entries point at the new id); Hugging Face items by
  lower-case ``kind:id``.
* **Field precedence.** Abstract: arXiv > S2 > OpenAlex > Crossref (the author's own text first;
  Crossref's JATS is stripped). Title, year, venue: S2 > OpenAlex > Crossref > arXiv (published
  metadata over preprint metadata) > the list's own text.
* **Citation count.** S2's and OpenAlex's (and Crossref's) counts sit side by side; the chosen
  ``citation_count`` is S2's when known, else OpenAlex's, else Crossref's. A fixed preference (not the
  maximum) keeps one definition per work over time, and because carried-forward values count as
  known, a night when S2 fails does not make the series jump to another source's scale.
* **Carry-forward.** A value whose source did not answer tonight keeps its last good value from the
  previous snapshot with its ``<field>_as_of`` date (the snapshot date of the night it was last
  fetched OK: a ``--date`` backfill stays consistent), and the row's ``status`` says ``stale``. A bad
  night never erases data; an item no source answered for tonight keeps its previous values.
* **History.** ``metrics_history`` holds tonight's *observations* only (fresh values, not carried
  ones), so the union of partitions is the time series; ``list_changes`` holds the entries each list
  gained, lost or edited versus the previous snapshot (ids follow edited entries across versions:
  ``enrich.parsing.carry_ids.carry_entry_ids``).

Modules (each one job): :mod:`~enrich.tables.build` (the entry point, :func:`build_tables`),
:mod:`~enrich.tables.entries`, :mod:`~enrich.tables.works` with :mod:`~enrich.tables.precedence`
(field precedence as data) and :mod:`~enrich.tables.authors`, :mod:`~enrich.tables.repos`,
:mod:`~enrich.tables.hf` (sharing :mod:`~enrich.tables.items`), :mod:`~enrich.tables.carry`
(the previous snapshot, unreadable lists), :mod:`~enrich.tables.history`,
:mod:`~enrich.tables.changes`, :mod:`~enrich.tables.text` (cleaning), :mod:`~enrich.tables.common`.
"""

from enrich.tables.build import Tables, build_tables
from enrich.tables.carry import PREVIOUS_TABLES, PreviousRows, PreviousSnapshot
from enrich.tables.changes import EDIT_COLUMNS, list_changes
from enrich.tables.common import EntryLike
from enrich.tables.hf import hf_item_id
from enrich.tables.text import clean_abstract, clean_text

__all__ = [
    "EDIT_COLUMNS",
    "PREVIOUS_TABLES",
    "EntryLike",
    "PreviousRows",
    "PreviousSnapshot",
    "Tables",
    "build_tables",
    "clean_abstract",
    "clean_text",
    "hf_item_id",
    "list_changes",
]
