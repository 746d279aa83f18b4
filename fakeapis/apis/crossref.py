"""Crossref ``/works``: single DOIs and bibliographic queries, in Crossref's envelope.

Real behaviours kept: ``works/{doi}`` answers ``{"status":"ok","message-type":"work",...}`` or a
plain-text 404 "Resource not found."; field queries on a single work are a 400 validation failure;
``works?query.bibliographic=&rows=`` ranks by relevance with a ``score``; ``cursor=*`` deep paging
with ``next-cursor`` (an unknown cursor is the recorded 404); ``select``; ``sample``;
``filter=doi:A,doi:B`` (a repeated filter ORs its values). DataCite DOIs
(arXiv's ``10.48550/...``) are not in Crossref, as in reality.
"""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import unquote

from fakeapis.catalog import Work, stable_int
from fakeapis.context import Context
from fakeapis.http import Request, Response, json_response, text_response

Json = Any
ROWS_DEFAULT: Final = 20
ROWS_MAX: Final = 1000
OFFSET_MAX: Final = 10000
QUERY_PARAMS: Final = ("query", "query.bibliographic", "query.title", "query.author", "query.container-title")


def _date_parts(date: str | None, year: int | None) -> dict[str, Json]:
    if date:
        parts = [int(p) for p in date[:10].split("-")]
        return {"date-parts": [parts]}
    return {"date-parts": [[year]]} if year else {"date-parts": [[None]]}


def _stamp(date: str | None, year: int | None) -> dict[str, Json]:
    day = (date or f"{year or 2000}-01-01")[:10]
    if len(day) == 4:
        day += "-01-01"
    elif len(day) == 7:
        day += "-01"
    moment = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return {
        "date-parts": [[moment.year, moment.month, moment.day]],
        "date-time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timestamp": int(moment.timestamp() * 1000),
    }


def in_crossref(work: Work) -> bool:
    return bool(work.doi) and not str(work.doi).startswith("10.48550/")


def render_work(work: Work, score: float = 1.0) -> dict[str, Json]:
    doi = str(work.doi)
    authors = []
    for i, a in enumerate(work.authors):
        given, _, family = a.name.rpartition(" ")
        entry: dict[str, Json] = {"given": given, "family": family} if given else {"name": family}
        entry["sequence"] = "first" if i == 0 else "additional"
        entry["affiliation"] = [{"name": a.affiliation}] if a.affiliation else []
        entry["role"] = [{"role": "author", "vocabulary": "crossref"}]
        if a.orcid:
            entry["ORCID"] = f"https://orcid.org/{a.orcid}"
            entry["authenticated-orcid"] = False
        authors.append(entry)
    wtype = work.work_type or "journal-article"
    if wtype == "preprint":
        wtype = "posted-content"
    elif wtype == "article":
        wtype = "journal-article"
    prefix = doi.split("/", 1)[0]
    message: dict[str, Json] = {
        "indexed": _stamp("2026-01-01", None) | {"version": "3.41.0"},
        "reference-count": work.reference_count,
        "publisher": work.venue or "Crossref Test Publisher",
        "content-domain": {"domain": [], "crossmark-restriction": False},
        "short-container-title": [],
    }
    if work.abstract:
        message["abstract"] = f"<jats:p>{work.abstract}</jats:p>"
    message.update(
        {
            "DOI": doi,
            "type": wtype,
            "created": _stamp(work.publication_date, work.year),
            "source": "Crossref",
            "is-referenced-by-count": work.citation_count,
            "title": [work.title],
            "prefix": prefix,
            "author": authors,
            "member": str(stable_int("member:" + prefix, 3)),
            "container-title": [work.venue] if work.venue and wtype != "posted-content" else [],
            "original-title": [],
            "link": [],
            "deposited": _stamp(work.publication_date, work.year),
            "score": score,
            "resource": {"primary": {"URL": f"https://doi.org/{doi}"}},
            "subtitle": [],
            "short-title": [],
            "issued": _date_parts(work.publication_date, work.year),
            "references-count": work.reference_count,
            "URL": f"https://doi.org/{doi}",
            "subject": [],
            "published": _date_parts(work.publication_date, work.year),
        }
    )
    for key, value in (("volume", work.volume), ("issue", work.issue), ("page", work.pages)):
        if value:
            message[key] = value
    if wtype == "posted-content":
        message["posted"] = _date_parts(work.publication_date, work.year)
        message["subtype"] = "preprint"
        message["institution"] = [{"name": work.venue or "bioRxiv"}]
        message["group-title"] = "Preprints"
    return message


def _envelope(kind: str, message: Json) -> dict[str, Json]:
    return {"status": "ok", "message-type": kind, "message-version": "1.0.0", "message": message}


def _failure(status: int, kind: str, errors: list[dict[str, Json]]) -> Response:
    return json_response(status, {"status": "failed", "message-type": kind, "message": errors})


def _integer_not_valid(req: Request, param: str, message: str) -> Response:
    """The 400 Crossref sends when the integer parameter ``param`` is malformed or out of range."""
    error = {"type": "integer-not-valid", "value": req.param(param), "message": message}
    return _failure(400, "validation-failure", [error])


def handle(req: Request, ctx: Context) -> Response:
    path = unquote(req.path)
    if path.startswith("/works/"):
        return _single(req, ctx, path[len("/works/") :])
    if path.rstrip("/") == "/works":
        return _list(req, ctx)
    return text_response(404, "Resource not found.")


def _single(req: Request, ctx: Context, doi: str) -> Response:
    for key, _ in req.query:
        if key.startswith("query"):
            return _failure(
                400,
                "validation-failure",
                [
                    {
                        "type": "parameter-not-allowed",
                        "value": "query.*",
                        "message": "This route does not support field query parameters",
                    }
                ],
            )
    work = ctx.lookup("crossref", "doi", doi.lower())
    if work is None or not in_crossref(work) or work.doi != doi.lower():  # DataCite DOIs are not in Crossref
        return text_response(404, "Resource not found.")
    return json_response(200, _envelope("work", render_work(work)))


def _int(req: Request, name: str, default: int) -> int | None:
    value = req.param(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return None


def _positions(works: list[Work]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, w in enumerate(works):
        out.setdefault(str(w.doi), []).append(i)
    return out


def _list(req: Request, ctx: Context) -> Response:
    rows = _int(req, "rows", ROWS_DEFAULT)
    offset = _int(req, "offset", 0)
    if rows is None or not 0 <= rows <= ROWS_MAX:
        return _integer_not_valid(
            req,
            "rows",
            f"Integer specified as {req.param('rows')} but must be a positive integer less than or equal to {ROWS_MAX}.",
        )
    if offset is None or not 0 <= offset <= OFFSET_MAX:
        return _integer_not_valid(
            req, "offset", f"Offset must be a positive integer less than or equal to {OFFSET_MAX}."
        )
    listed: list[Work] = ctx.cached(
        "crossref-listed", lambda: [w for w in ctx.works("crossref") if in_crossref(w)]
    )
    works = listed
    terms = " ".join(v for k, v in req.query if k in QUERY_PARAMS and v)
    scores: dict[int, float] = {}
    if terms:
        hits = ctx.text_index("crossref").search(terms)
        allowed = {id(w) for w in works}
        ranked = [(w, s) for w, s in hits if id(w) in allowed]
        works = [w for w, _ in ranked]
        scores = {id(w): s for w, s in ranked}
    wanted_dois = [
        wanted.lower()
        for key, value in req.query
        if key == "filter"
        for name, _, wanted in (part.partition(":") for part in value.split(","))
        if name == "doi"
    ]
    if wanted_dois:  # a repeated filter ORs its values (rest-api-doc README "Multiple filters")
        if terms:
            keep = set(wanted_dois)
            works = [w for w in works if str(w.doi) in keep]
        else:  # through an index: no scan of the catalog per request
            positions: dict[str, list[int]] = ctx.cached("crossref-doi-positions", lambda: _positions(listed))
            works = [listed[i] for i in sorted({i for d in wanted_dois for i in positions.get(d, ())})]
    sample = _int(req, "sample", 0)
    if req.param("sample") is not None:
        if sample is None or not 1 <= sample <= 100:
            return _failure(
                400,
                "validation-failure",
                [
                    {
                        "type": "integer-not-valid",
                        "value": req.param("sample"),
                        "message": "Sample must be between 1 and 100",
                    }
                ],
            )
        rng = random.Random(len(works))
        picked = rng.sample(works, min(sample, len(works)))
        items = [render_work(w) for w in picked]
        message: dict[str, Json] = {
            "facets": {},
            "total-results": len(picked),
            "items": items,
            "items-per-page": sample,
            "query": {"start-index": 0, "search-terms": None},
        }
        return json_response(200, _envelope("work-list", _selected(req, message)))
    cursor = req.param("cursor")
    if cursor is not None and cursor != "*":
        try:
            offset = int(json.loads(base64.b64decode(cursor.encode()).decode())["offset"])
        except (ValueError, KeyError, TypeError):
            return _failure(
                404,
                "resource-failure",
                [
                    {
                        "type": "cursor-invalid",
                        "value": cursor,
                        "message": "Cursor specified but it is invalid",
                    }
                ],
            )
    page = works[offset : offset + rows]
    message = {"facets": {}, "total-results": len(works)}
    if cursor is not None:
        message = {
            "facets": {},
            "next-cursor": base64.b64encode(json.dumps({"offset": offset + rows}).encode()).decode(),
            "total-results": len(works),
        }
    message["items"] = [render_work(w, round(scores.get(id(w), 1.0) * 10, 4)) for w in page]
    message["items-per-page"] = rows
    message["query"] = {"start-index": offset, "search-terms": terms or None}
    return json_response(200, _envelope("work-list", _selected(req, message)))


def _selected(req: Request, message: dict[str, Json]) -> dict[str, Json]:
    raw = req.param("select")
    if not raw:
        return message
    wanted = [f.strip() for f in raw.split(",") if f.strip()]
    message["items"] = [{k: item[k] for k in wanted if k in item} for item in message["items"]]
    return message
