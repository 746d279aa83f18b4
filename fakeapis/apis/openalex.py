"""OpenAlex ``/works``: singletons by any id form, OR-filters, search, paging, select, group_by.

Real behaviours kept: ``works/{id}`` takes a W-id, ``doi:``, a DOI URL, ``pmid:``, ``pmcid:``,
``mag:``; merged works answer 301 to the surviving work; at most 100 values in one OR-filter;
``per_page`` 1-200 (default 25); ``cursor=*`` paging with ``meta.next_cursor``; ``select`` and
``filter`` names validated with the recorded 400 bodies; the ``x-ratelimit-*`` budget headers;
unknown ids answer the recorded HTML 404; an ``api_key`` starting with ``invalid`` gets 401.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Final
from urllib.parse import unquote

from fakeapis.apis.openalex_work import render_work, work_type
from fakeapis.catalog import Work
from fakeapis.context import Context
from fakeapis.http import Request, Response, json_response, text_response

Json = Any
OR_MAX: Final = 100
PER_PAGE_MAX: Final = 200
PER_PAGE_DEFAULT: Final = 25
PAGING_WINDOW: Final = 10000
SELECT_FIELDS: Final = (
    "id, doi, title, display_name, relevance_score, publication_year, publication_date, ids, language, "
    "primary_location, sources, type, type_crossref, indexed_in, open_access, authorships, institution_assertions, "
    "institutions, countries_distinct_count, institutions_distinct_count, corresponding_author_ids, "
    "corresponding_institution_ids, apc_list, apc_paid, fwci, is_authors_truncated, has_fulltext, fulltext_origin, "
    "cited_by_count, citation_normalized_percentile, cited_by_percentile_year, biblio, is_retracted, is_paratext, "
    "is_xpac, primary_topic, topics, keywords, concepts, mesh, locations_count, locations, best_oa_location, "
    "sustainable_development_goals, awards, funders, datasets, versions, has_content, content_urls, "
    "referenced_works_count, referenced_works, related_works, abstract_inverted_index, cited_by_api_url, "
    "counts_by_year, updated_date, created_date"
)
_SELECTABLE = frozenset(f.strip() for f in SELECT_FIELDS.split(","))
FILTERS: Final = (
    "abstract.search",
    "authors_count",
    "author.id",
    "author.orcid",
    "cited_by_count",
    "default.search",
    "display_name.search",
    "doi",
    "from_publication_date",
    "has_abstract",
    "has_doi",
    "ids.mag",
    "ids.openalex",
    "ids.pmcid",
    "ids.pmid",
    "is_oa",
    "is_paratext",
    "is_retracted",
    "mag",
    "openalex",
    "openalex_id",
    "pmcid",
    "pmid",
    "publication_date",
    "publication_year",
    "title.search",
    "title_and_abstract.search",
    "to_publication_date",
    "type",
)
_FILTERS = frozenset(FILTERS)
NOT_FOUND_HTML: Final = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was "
    "not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n"
)


def _invalid(message: str) -> Response:
    return json_response(400, {"error": "Invalid query parameters error.", "message": message})


def _check_select(req: Request) -> Response | None:
    """OpenAlex validates ``select`` before it looks anything up."""
    for f in (f.strip() for f in (req.param("select") or "").split(",")):
        if f and f not in _SELECTABLE:
            return _invalid(f"{f} is not a valid select field. Valid fields for select are: {SELECT_FIELDS}.")
    return None


def _select(req: Request, obj: dict[str, Json]) -> dict[str, Json]:
    raw = req.param("select")
    if not raw:
        return obj
    wanted = [f.strip() for f in raw.split(",") if f.strip()]
    return {f: obj.get(f) for f in wanted if f in obj or f != "relevance_score"}


def _bad_key(req: Request) -> Response | None:
    key = req.param("api_key")
    if key is not None and key.lower().startswith("invalid"):
        return json_response(401, {"error": "Invalid or missing API key", "message": "API key not found"})
    return None


def resolve(ctx: Context, raw: str) -> Work | None:
    ident = raw.strip()
    low = ident.lower()
    for prefix in ("https://openalex.org/", "http://openalex.org/", "openalex:"):
        if low.startswith(prefix):
            ident = ident[len(prefix) :]
            low = ident.lower()
    if re.fullmatch(r"w\d+", low):
        return ctx.lookup("openalex", "openalex", ident.upper())
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi.org/", "doi:"):
        if low.startswith(prefix):
            return ctx.lookup("openalex", "doi", low[len(prefix) :])
    if low.startswith("10."):
        return ctx.lookup("openalex", "doi", low)
    for prefix in ("pmid:", "https://pubmed.ncbi.nlm.nih.gov/"):
        if low.startswith(prefix):
            return ctx.lookup("openalex", "pmid", low[len(prefix) :].strip("/"))
    if low.startswith("pmcid:"):
        value = ident[6:].upper()
        return ctx.lookup("openalex", "pmcid", value if value.startswith("PMC") else "PMC" + value)
    if low.startswith("mag:"):
        return ctx.lookup("openalex", "mag", ident[4:])
    return None


def handle(req: Request, ctx: Context, *, extra_headers: list[tuple[str, str]] | None = None) -> Response:
    denied = _bad_key(req)
    if denied is not None:
        return denied
    path = unquote(req.path)
    if path.rstrip("/") == "/rate-limit":
        if not req.param("api_key"):
            return json_response(401, {"error": "Invalid or missing API key", "message": "API key not found"})
        return json_response(200, {"api_key": "***", "rate_limit": {"daily_budget_usd": 1.0}})
    if path.startswith("/works/"):
        return _single(req, ctx, path[len("/works/") :])
    if path.rstrip("/") == "/works":
        return _list(req, ctx)
    return text_response(404, NOT_FOUND_HTML, "text/html; charset=utf-8")


def _single(req: Request, ctx: Context, raw_id: str) -> Response:
    bad_select = _check_select(req)
    if bad_select is not None:
        return bad_select
    work = resolve(ctx, raw_id)
    if work is None:
        return text_response(404, NOT_FOUND_HTML, "text/html; charset=utf-8")
    if work.merged_into and work.merged_into.upper() != work.openalex_id:
        location = f"{req.root}/works/{work.merged_into}"
        return text_response(
            301,
            f"<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be "
            f'redirected automatically to the target URL: <a href="{location}">{location}</a>. If not, click the link.\n',
            "text/html; charset=utf-8",
            [("Location", location)],
        )
    return json_response(200, _select(req, render_work(work)))


def _parse_filters(raw: str) -> list[tuple[str, list[str]]] | Response:
    out: list[tuple[str, list[str]]] = []
    # values can contain commas only inside search text; split on commas followed by a known key
    parts = re.split(r",(?=[a-z_.]+:)", raw)
    for part in parts:
        key, sep, value = part.partition(":")
        key = key.strip().replace("-", "_")
        if not sep:
            return _invalid(f"{part} is not a valid filter: expected key:value")
        if key not in _FILTERS:
            return _invalid(
                f"{key} is not a valid field. Valid fields are underscore or hyphenated versions of: {', '.join(FILTERS)}"
            )
        values = value.split("|") if not key.endswith(".search") else [value]
        if len(values) > OR_MAX:
            return _invalid(
                f"Maximum number of values exceeded for {key}. Decrease values to {OR_MAX} or below, "
                "or consider using multiple requests."
            )
        out.append((key, values))
    return out


def _matches(ctx: Context, work: Work, key: str, values: list[str]) -> bool:
    if key == "doi":
        wanted = {v.lower().removeprefix("https://doi.org/").removeprefix("doi:") for v in values}
        return bool({work.doi, work.arxiv_doi} & wanted)
    if key in ("openalex", "ids.openalex", "openalex_id"):
        return work.openalex_id in {v.upper().removeprefix("HTTPS://OPENALEX.ORG/") for v in values}
    if key in ("pmid", "ids.pmid"):
        return work.pmid in {v.removeprefix("https://pubmed.ncbi.nlm.nih.gov/") for v in values}
    if key in ("pmcid", "ids.pmcid"):
        return bool(work.pmcid) and work.pmcid.upper().removeprefix("PMC") in {  # type: ignore[union-attr]
            v.upper().removeprefix("PMC") for v in values
        }
    if key in ("mag", "ids.mag"):
        return work.mag_id in values
    if key == "publication_year":
        return str(work.year) in values
    if key == "type":
        return work_type(work) in values
    if key == "from_publication_date":
        return (work.publication_date or str(work.year or "")) >= values[0]
    if key == "to_publication_date":
        return (work.publication_date or str(work.year or "9999")) <= values[0]
    if key == "has_doi":
        return (work.doi is not None) == (values[0] == "true")
    if key == "has_abstract":
        return (work.abstract is not None) == (values[0] == "true")
    return True


_ID_KEYS: dict[str, Any] = {
    # filter key -> (the work's values under that key, one filter value's normal form); the same
    # comparisons as :func:`_matches`, so an index hit list is exactly what a scan would keep
    "doi": (
        lambda w: (w.doi, w.arxiv_doi),
        lambda v: v.lower().removeprefix("https://doi.org/").removeprefix("doi:"),
    ),
    "openalex": (lambda w: (w.openalex_id,), lambda v: v.upper().removeprefix("HTTPS://OPENALEX.ORG/")),
    "pmid": (lambda w: (w.pmid,), lambda v: v.removeprefix("https://pubmed.ncbi.nlm.nih.gov/")),
    "pmcid": (
        lambda w: (w.pmcid.upper().removeprefix("PMC") if w.pmcid else None,),
        lambda v: v.upper().removeprefix("PMC"),
    ),
    "mag": (lambda w: (w.mag_id,), lambda v: v),
}
_ID_KEYS.update(
    {
        "ids.openalex": _ID_KEYS["openalex"],
        "openalex_id": _ID_KEYS["openalex"],
        "ids.pmid": _ID_KEYS["pmid"],
        "ids.pmcid": _ID_KEYS["pmcid"],
        "ids.mag": _ID_KEYS["mag"],
    }
)


def _id_index(ctx: Context, key: str) -> dict[str, list[int]]:
    """Value -> positions in ``ctx.works("openalex")`` for an id filter key (built once per key)."""
    values_of, _ = _ID_KEYS[key]

    def build() -> dict[str, list[int]]:
        index: dict[str, list[int]] = {}
        for pos, work in enumerate(ctx.works("openalex")):
            for value in dict.fromkeys(values_of(work)):
                if value:
                    index.setdefault(value, []).append(pos)
        return index

    result: dict[str, list[int]] = ctx.cached("openalex-id-index:" + key, build)
    return result


def _prefiltered(ctx: Context, filters: list[tuple[str, list[str]]]) -> list[Work]:
    """The unmerged works, narrowed through an id index when an id filter is present (no full scan)."""
    works = ctx.works("openalex")
    for key, values in filters:
        if key in _ID_KEYS:
            _, normal = _ID_KEYS[key]
            index = _id_index(ctx, key)
            positions = sorted({pos for v in values for pos in index.get(normal(v), ())})
            return [works[pos] for pos in positions if not works[pos].merged_into]
    return [w for w in works if not w.merged_into]


_SEARCH_FILTERS = {
    "title.search",
    "display_name.search",
    "default.search",
    "title_and_abstract.search",
    "abstract.search",
}


def _list(req: Request, ctx: Context) -> Response:
    bad_select = _check_select(req)
    if bad_select is not None:
        return bad_select
    filters = _parse_filters(req.param("filter") or "") if req.param("filter") else []
    if isinstance(filters, Response):
        return filters
    try:
        per_page = int(req.param("per_page") or req.param("per-page") or PER_PAGE_DEFAULT)
        page = int(req.param("page") or 1)
    except ValueError:
        return _invalid("per_page and page must be integers")
    if not 1 <= per_page <= PER_PAGE_MAX:
        return _invalid(f"per-page parameter must be between 1 and {PER_PAGE_MAX}")
    cursor = req.param("cursor")
    if cursor is not None and req.param("page"):
        return _invalid("Cannot use page parameter with cursor pagination. Use cursor only.")
    if cursor is None and page * per_page > PAGING_WINDOW:
        return _invalid(
            f"Maximum results size of {PAGING_WINDOW:,} records is exceeded. Cursor pagination is required for "
            "records beyond 10,000."
        )
    offset = (page - 1) * per_page
    if cursor is not None:
        if cursor == "*":
            offset = 0
        else:
            try:
                offset = int(json.loads(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())["offset"])
            except (ValueError, KeyError, TypeError):
                return _invalid("Invalid cursor value.")

    search = req.param("search")
    relevance: dict[int, float] = {}
    candidates = _prefiltered(ctx, filters)
    for key, values in filters:
        if key in _SEARCH_FILTERS:
            index = (
                ctx.title_index("openalex")
                if key in ("title.search", "display_name.search")
                else ctx.text_index("openalex")
            )
            hits = {w.openalex_id: s for w, s in index.search(values[0].replace("+", " "))}
            candidates = [w for w in candidates if w.openalex_id in hits]
            for w in candidates:
                relevance[id(w)] = relevance.get(id(w), 0.0) + hits[w.openalex_id]
        else:
            candidates = [w for w in candidates if _matches(ctx, w, key, values)]
    if search:
        hits = {w.openalex_id: s for w, s in ctx.text_index("openalex").search(search)}
        candidates = [w for w in candidates if w.openalex_id in hits]
        for w in candidates:
            relevance[id(w)] = relevance.get(id(w), 0.0) + hits[w.openalex_id]
    if relevance:
        candidates.sort(key=lambda w: -relevance.get(id(w), 0.0))
    group_by = req.param("group_by")
    meta: dict[str, Json] = {
        "count": len(candidates),
        "db_response_time_ms": 7,
        "page": None if cursor is not None else page,
        "per_page": per_page,
    }
    if group_by:
        if group_by != "type":
            return _invalid(f"{group_by} is not a valid group_by field in this double (supported: type)")
        counts: dict[str, int] = {}
        for w in candidates:
            wtype = work_type(w)
            counts[wtype] = counts.get(wtype, 0) + 1
        groups = [
            {"key": f"https://openalex.org/types/{k}", "key_display_name": k, "count": v}
            for k, v in sorted(counts.items())
        ]
        meta["next_cursor"] = None
        meta["groups_count"] = len(groups)
        meta["cost_usd"] = 0.0001
        return json_response(200, {"meta": meta, "group_by": groups})
    window = candidates[offset : offset + per_page]
    if cursor is not None:
        more = offset + per_page < len(candidates) or bool(window)
        token = (
            base64.urlsafe_b64encode(json.dumps({"offset": offset + per_page}).encode()).decode().rstrip("=")
        )
        meta["next_cursor"] = token if more and window else None
    meta["groups_count"] = None
    meta["cost_usd"] = 0.001 if (search or relevance) else 0.0001
    results = [_select(req, render_work(w, relevance.get(id(w)) if relevance else None)) for w in window]
    return json_response(200, {"meta": meta, "results": results, "group_by": []})
