"""``docs/data-dictionary.md``, generated from the schemas' field metadata and :data:`COLUMN_NOTES`."""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from enrich.schemas.base import AUTHOR_TYPE, ENTITY_LINK_TYPE, PAPER_REF_TYPE, SCHEMA_VERSION
from enrich.schemas.registry import SCHEMAS, TABLE_KEYS


def _type_name(t: pa.DataType) -> str:
    if pa.types.is_list(t) and t.value_type == PAPER_REF_TYPE:
        return "list<struct<ref, found_in>>"
    if pa.types.is_list(t) and t.value_type == ENTITY_LINK_TYPE:
        return "list<struct<id, link_source, confidence>>"
    if t == AUTHOR_TYPE:
        return "list<struct<name, s2_author_id, orcid>>"
    if pa.types.is_list(t) and t.value_type == AUTHOR_TYPE:
        return "list<struct<name, s2_author_id, orcid>>"
    return str(t).replace("list<item: ", "list<").replace("timestamp[us, tz=UTC]", "timestamp[us, UTC]")


# Notes the data dictionary prints under a table, per column: what the parser reads (with examples) and
# where the rules are. Docs only: never written into the files (the ``doc`` metadata is).
COLUMN_NOTES: Final[dict[str, dict[str, str]]] = {
    "entries": {
        "entry_id": "`<list_id>:<16 hex>`: SHA-256 of the entry's identity ([parsing.md](parsing.md#entry_id-identity)); "
        "stable when lines move or neighbours change, and carried over from the previous snapshot when the entry "
        "is edited",
        "list_id": "the list's id from `lists.toml`, else the file stem",
        "line": "where the entry starts in its raw file",
        "section": "emoji and symbols removed: `Practical Guide for Medical LLMs > Pre-training from Scratch`; "
        "the file's first `#` heading (its title) is left out",
        "kind": "how it is chosen: [parsing.md](parsing.md#kind)",
        "name": "the system/dataset name (`BioBERT`, `Med-PaLM 2`); for titles like `ChatDoctor: A ...` the short "
        "prefix",
        "title": "the work's title as listed (one trailing period dropped); null for bare names (`PULSE`)",
        "authors_raw": "as written: `Karan Singhal et al.`",
        "year": "as listed: `2023.`, `[2022/10]`, `[Nature, 2023]`, a Date column",
        "venue_raw": "as written: `Nature`, `npj Digital Medicine`, `ACL'23 Findings`",
        "arxiv_id": "`2106.09685` / `hep-th/9901001`; `arxiv_version` is the `vN` if the URL had one",
        "doi": "from doi.org or a publisher URL ([parsing.md](parsing.md#identifier-normalisation)); the arXiv "
        "DataCite DOI `10.48550/arXiv.<id>` counts as `arxiv_id`",
        "pmcid": "`PMC10020064` (and `pmid`: `37438534`)",
        "acl_id": "`2022.bionlp-1.9`, `P18-1001`",
        "s2_corpus_id": "from shields.io citation badges and `api.semanticscholar.org` URLs",
        "github_repo": "repo URLs only (site pages and bare user pages are not repos)",
        "hf_id": "as written; `hf_kind` is `model`, `dataset` or `space`",
        "urls": "every absolute URL (links, badges, bare URLs in link cells), with any `user:password@` removed",
        "work_key": "the parse-time de-duplication key ([parsing.md](parsing.md#work_key))",
        "description": "an abstract, table description columns, a title cell's summary, extra columns as "
        "`Header: value`",
        "citation_raw": "numbering and links removed; matched bibliographically (Crossref `query.bibliographic`, "
        "S2 `search/match`)",
        "parse_shape": "the shapes: [parsing.md](parsing.md#what-is-an-entry)",
        "parse_confidence": '< 0.5 is "low-confidence" in the per-list summary',
    },
}

_INTRO = """\
# Data dictionary

<!-- Generated from enrich/schemas/: uv run --frozen python -m enrich.schemas > docs/data-dictionary.md
     (a test fails when this file differs from what that prints). Do not edit by hand. -->

Schema version **{version}**. Every snapshot table is one typed Parquet file per night,
`<out>/<table>/snapshot_date=YYYY-MM-DD/part-0.parquet` ([snapshots.md](snapshots.md)). What a change
of the version means: [the `schema_version` policy](snapshots.md#schema_version-policy).

Type names are Arrow's; `null` says whether the column may be null. The `source` column says where
the value comes from (`a > b`: the first source that has it; [snapshots.md](snapshots.md#how-values-are-chosen)).
"""


def data_dictionary_markdown() -> str:
    """``docs/data-dictionary.md``: one markdown table per snapshot table, from the schemas' metadata
    and :data:`COLUMN_NOTES`."""
    out: list[str] = [_INTRO.format(version=SCHEMA_VERSION)]
    for name, schema in SCHEMAS.items():
        key = ", ".join(TABLE_KEYS[name])
        out.append(f"## `{name}` (one row per {key}; sorted by it)\n")
        out.append("| column | type | null | source | meaning |")
        out.append("|---|---|---|---|---|")
        out.append(
            "| `snapshot_date` | date (partition) | no | snapshot | the night this partition belongs to "
            "(Hive partition key, not stored in the file) |"
        )
        for field in schema:
            meta = field.metadata or {}
            source = meta.get(b"source", b"").decode()
            doc = meta.get(b"doc", b"").decode().replace("|", "\\|")
            null = "yes" if field.nullable else "no"
            out.append(f"| `{field.name}` | {_type_name(field.type)} | {null} | {source} | {doc} |")
        notes = COLUMN_NOTES.get(name, {})
        unknown = set(notes) - set(schema.names)
        if unknown:
            raise ValueError(f"COLUMN_NOTES[{name!r}] names no column of the table: {sorted(unknown)}")
        if notes:
            out.append("")
            out.append(f"Notes on `{name}`:\n")
            out.extend(f"- `{column}`: {notes[column]}" for column in schema.names if column in notes)
        out.append("")
    return "\n".join(out)
