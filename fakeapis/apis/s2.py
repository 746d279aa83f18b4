"""Semantic Scholar Academic Graph ``/graph/v1``: papers, batch, search, match, authors.

Real behaviours kept: without ``fields`` only ``paperId`` and ``title``; unknown fields give 400 with
the recorded error body; ``paper/batch`` takes at most 500 ids and answers ``null`` in place, order
kept; ``paper/search`` pages with ``offset``/``limit``/``next`` (and omits ``data`` when empty);
``search/match`` answers one paper with ``matchScore`` or 404 "Title match not found";
an ``x-api-key`` starting with ``invalid`` is refused with 403 like a bad key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import unquote

from fakeapis.catalog import Work, stable_hex
from fakeapis.context import Context
from fakeapis.faults import draw
from fakeapis.http import Request, Response, json_response
from fakeapis.search import coverage

Json = Any
BATCH_MAX: Final = 500
SEARCH_MAX_WINDOW: Final = 1000
MATCH_MIN_COVERAGE: Final = 0.6
PAPER_FIELDS: Final = (
    "paperId",
    "externalIds",
    "corpusId",
    "publicationVenue",
    "url",
    "title",
    "abstract",
    "venue",
    "year",
    "referenceCount",
    "citationCount",
    "influentialCitationCount",
    "isOpenAccess",
    "openAccessPdf",
    "fieldsOfStudy",
    "s2FieldsOfStudy",
    "publicationTypes",
    "publicationDate",
    "journal",
    "citationStyles",
    "authors",
    "tldr",
)
EXTRA_FIELDS: Final = frozenset({"citations", "references", "embedding", "textAvailability"})
AUTHOR_FIELDS: Final = (
    "authorId",
    "externalIds",
    "url",
    "name",
    "affiliations",
    "paperCount",
    "citationCount",
    "hIndex",
)
_CATEGORY_FIELD = {
    "cs": "Computer Science",
    "stat": "Mathematics",
    "math": "Mathematics",
    "q-bio": "Biology",
    "physics": "Physics",
    "econ": "Economics",
    "eess": "Engineering",
}


def _error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


def _fields(req: Request, allowed: Sequence[str]) -> list[str] | Response:
    raw = req.param("fields")
    if raw is None or raw.strip() == "":
        return []
    requested = [f.strip() for f in raw.split(",") if f.strip()]
    unknown = [
        f for f in requested if f.split(".", 1)[0] not in allowed and f.split(".", 1)[0] not in EXTRA_FIELDS
    ]
    if unknown:
        return _error(400, f"Unrecognized or unsupported fields: [{', '.join(unknown)}]")
    return [f.split(".", 1)[0] for f in requested]


def fields_of_study(work: Work) -> list[str]:
    found = []
    for c in work.categories:
        name = _CATEGORY_FIELD.get(c.split(".", 1)[0].split("-", 1)[0] if not c.startswith("q-") else "q-bio")
        if name and name not in found:
            found.append(name)
    return found or ["Medicine"]


def render_paper(work: Work) -> dict[str, Json]:
    """Every field S2 can return for ``work``, in S2's order."""
    ext: dict[str, Json] = {}
    if work.mag_id:
        ext["MAG"] = work.mag_id
    if work.dblp_key:
        ext["DBLP"] = work.dblp_key
    if work.arxiv_id:
        ext["ArXiv"] = work.arxiv_id
    if work.acl_id:
        ext["ACL"] = work.acl_id
    if work.pmcid:
        ext["PubMedCentral"] = work.pmcid.upper().removeprefix("PMC")
    if work.doi or work.arxiv_id:
        ext["DOI"] = work.doi or f"10.48550/arXiv.{work.arxiv_id}"
    ext["CorpusId"] = work.corpus_id
    if work.pmid:
        ext["PubMed"] = work.pmid
    authors = [{"authorId": a.s2_author_id, "name": a.name} for a in work.authors]
    venue = work.venue or ""
    is_oa = bool(work.arxiv_id)
    pdf = {
        "url": f"https://arxiv.org/pdf/{work.arxiv_id}" if work.arxiv_id else "",
        "status": "GREEN" if work.arxiv_id else None,
        "license": None,
    }
    fos = fields_of_study(work)
    cite_key = (work.authors[0].name.split()[-1] if work.authors else "None") + str(work.year or "")
    bib_lines = [f"@{'Article' if work.doi else 'Inproceedings'}{{{cite_key},"]
    if work.authors:
        bib_lines.append(f" author = {{{' and '.join(a.name for a in work.authors)}}},")
    if venue:
        bib_lines.append(f" journal = {{{venue}}},")
    bib_lines.append(f" title = {{{work.title}}},")
    if work.year:
        bib_lines.append(f" year = {{{work.year}}}")
    bib_lines.append("}\n")
    full: dict[str, Json] = {
        "paperId": work.s2_paper_id,
        "externalIds": ext,
        "corpusId": work.corpus_id,
        "publicationVenue": (
            {"id": _uuid(venue), "name": venue, "type": "journal", "alternate_names": [], "url": ""}
            if venue
            else None
        ),
        "url": f"https://www.semanticscholar.org/paper/{work.s2_paper_id}",
        "title": work.title,
        "abstract": work.abstract,
        "venue": venue,
        "year": work.year,
        "referenceCount": work.reference_count,
        "citationCount": work.citation_count,
        "influentialCitationCount": work.influential_citation_count,
        "isOpenAccess": is_oa,
        "openAccessPdf": pdf,
        "fieldsOfStudy": fos,
        "s2FieldsOfStudy": [{"category": f, "source": "external"} for f in fos]
        + [{"category": fos[0], "source": "s2-fos-model"}],
        "publicationTypes": ["JournalArticle"] if work.doi else None,
        "publicationDate": work.publication_date
        if work.publication_date and len(work.publication_date) == 10
        else None,
        "journal": _journal(work),
        "citationStyles": {"bibtex": "\n".join(bib_lines)},
        "authors": authors,
        "tldr": {"model": "tldr@v2.0.0", "text": work.tldr} if work.tldr else None,
    }
    return full


def _journal(work: Work) -> dict[str, Json] | None:
    if not work.venue:
        return None
    out: dict[str, Json] = {"name": work.venue}
    if work.pages:
        out["pages"] = work.pages
    if work.volume:
        out["volume"] = work.volume
    return out


def _uuid(text: str) -> str:
    h = stable_hex("venue:" + text, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def select(paper: dict[str, Json], fields: list[str]) -> dict[str, Json]:
    if not fields:
        return {"paperId": paper["paperId"], "title": paper["title"]}
    out = {"paperId": paper["paperId"]}
    for name in PAPER_FIELDS:
        if name in fields:
            out[name] = paper[name]
    for name in ("citations", "references"):
        if name in fields:
            out[name] = []
    return out


def resolve(ctx: Context, raw_id: str) -> Work | None:
    """Any id form S2 accepts: 40-hex, CorpusId:, DOI:, ARXIV:, MAG:, ACL:, PMID:, PMCID:, URL:, bare DOI."""
    ident = raw_id.strip()
    if re.fullmatch(r"[0-9a-fA-F]{40}", ident):
        return ctx.lookup("s2", "s2", ident.lower())
    prefix, _, value = ident.partition(":")
    kind = prefix.upper()
    if kind == "CORPUSID" and value.isdigit():
        return ctx.by_corpus("s2", int(value))
    if kind == "DOI":
        return ctx.lookup("s2", "doi", value.lower())
    if kind == "ARXIV":
        return ctx.lookup("s2", "arxiv", re.sub(r"v\d+$", "", value).lower())
    if kind == "MAG":
        return ctx.lookup("s2", "mag", value)
    if kind == "ACL":
        return ctx.lookup("s2", "acl", value.lower())
    if kind == "PMID":
        return ctx.lookup("s2", "pmid", value)
    if kind == "PMCID":
        return ctx.lookup("s2", "pmcid", value.upper() if value.upper().startswith("PMC") else "PMC" + value)
    if kind == "URL":
        return _from_url(ctx, value)
    if ident.startswith("10."):
        return ctx.lookup("s2", "doi", ident.lower())
    return None


def _from_url(ctx: Context, url: str) -> Work | None:
    m = re.search(r"arxiv\.org/(?:abs|pdf)/([^?#]+?)(?:v\d+)?(?:\.pdf)?$", url)
    if m:
        return ctx.lookup("s2", "arxiv", m.group(1).lower())
    m = re.search(r"semanticscholar\.org/paper/(?:[^/]+/)?([0-9a-f]{40})", url)
    if m:
        return ctx.lookup("s2", "s2", m.group(1))
    m = re.search(r"aclanthology\.org/([^/]+?)(?:\.pdf)?/?$|aclweb\.org/anthology/([^/]+?)(?:\.pdf)?/?$", url)
    if m:
        return ctx.lookup("s2", "acl", (m.group(1) or m.group(2)).lower())
    m = re.search(r"(?:biorxiv|medrxiv)\.org/content/(10\.\d+/[^v?#]+?)(?:v\d+)?(?:\.full.*)?$", url)
    if m:
        return ctx.lookup("s2", "doi", m.group(1).lower())
    m = re.search(r"(?:doi\.org|dl\.acm\.org/doi)/(10\.\S+)$", url)
    if m:
        return ctx.lookup("s2", "doi", m.group(1).lower())
    return None


def _bad_key(req: Request) -> Response | None:
    key = req.header("x-api-key")
    if key is not None and key.lower().startswith("invalid"):
        return Response(
            403, b'{"message":"Forbidden"}', "application/json", [("x-amzn-ErrorType", "ForbiddenException")]
        )
    return None


def handle(req: Request, ctx: Context, *, batch_nulls: float | None = None, seed: int = 0) -> Response:
    denied = _bad_key(req)
    if denied is not None:
        return denied
    path = unquote(req.path)
    if not path.startswith("/graph/v1/"):
        return json_response(404, {"message": "Not Found"})
    rest = path[len("/graph/v1/") :]
    if rest == "paper/batch":
        if req.method != "POST":
            return json_response(405, {"message": "Method Not Allowed"})
        return _batch(req, ctx, batch_nulls, seed)
    if rest == "paper/search/match":
        return _match(req, ctx)
    if rest == "paper/search":
        return _search(req, ctx)
    if rest == "paper/search/bulk":
        return _bulk(req, ctx)
    if rest.startswith("paper/"):
        return _paper(req, ctx, rest[len("paper/") :])
    if rest == "author/batch" and req.method == "POST":
        return _author_batch(req, ctx)
    if rest.startswith("author/"):
        return _author(req, ctx, rest[len("author/") :])
    return json_response(404, {"message": "Not Found"})


def _paper(req: Request, ctx: Context, raw_id: str) -> Response:
    fields = _fields(req, PAPER_FIELDS)
    if isinstance(fields, Response):
        return fields
    work = resolve(ctx, raw_id)
    if work is None:
        return _error(404, f"Paper with id {raw_id} not found")
    return json_response(200, select(render_paper(work), fields))


def _batch(req: Request, ctx: Context, nulls: float | None, seed: int) -> Response:
    fields = _fields(req, PAPER_FIELDS)
    if isinstance(fields, Response):
        return fields
    try:
        body = req.json_body()
    except (ValueError, UnicodeDecodeError):
        return _error(400, "Unacceptable JSON body")
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return _error(400, 'Body must be a JSON object {"ids": [...]} with a list of paper ids')
    if len(ids) > BATCH_MAX:
        return _error(400, f"Too many ids: {len(ids)}; at most {BATCH_MAX} ids per request")
    out: list[Json] = []
    for position, raw in enumerate(ids):
        work = resolve(ctx, raw)
        if work is None or (nulls is not None and draw(seed, "s2-batch-null", raw, position) < nulls):
            out.append(None)
        else:
            out.append(select(render_paper(work), fields))
    return json_response(200, out)


def _page_args(req: Request, default_limit: int = 100) -> tuple[int, int] | Response:
    try:
        offset = int(req.param("offset") or 0)
        limit = int(req.param("limit") or default_limit)
    except ValueError:
        return _error(400, "offset and limit must be integers")
    if offset < 0 or limit < 1 or limit > 100:
        return _error(400, "Limit must be between 1 and 100 and offset must be non-negative")
    if offset + limit > SEARCH_MAX_WINDOW:
        return _error(400, "offset + limit must be < 1000")
    return offset, limit


def _search_hits(ctx: Context, query: str, year: str | None) -> list[tuple[Work, float]]:
    hits = ctx.title_index("s2").search(query)
    if year:
        lo, _, hi = year.partition("-")
        low = int(lo) if lo.isdigit() else 0
        high = int(hi) if hi.isdigit() else (9999 if "-" in year else low)
        hits = [(w, s) for w, s in hits if w.year is not None and low <= w.year <= high]
    return hits


def _query_and_fields(req: Request) -> tuple[str, list[str]] | Response:
    """A title search's required ``query`` and its ``fields`` (or the 400 S2 sends for either)."""
    query = req.param("query")
    if not query:
        return _error(400, "Missing required parameter: 'query'")
    fields = _fields(req, PAPER_FIELDS)
    if isinstance(fields, Response):
        return fields
    return query, fields


def _search(req: Request, ctx: Context) -> Response:
    asked = _query_and_fields(req)
    if isinstance(asked, Response):
        return asked
    query, fields = asked
    args = _page_args(req)
    if isinstance(args, Response):
        return args
    offset, limit = args
    hits = _search_hits(ctx, query.replace("+", " "), req.param("year"))
    page = hits[offset : offset + limit]
    out: dict[str, Json] = {"total": len(hits), "offset": offset}
    if offset + limit < len(hits):
        out["next"] = offset + limit
    if page:
        out["data"] = [select(render_paper(w), fields) for w, _ in page]
    return json_response(200, out)


def _bulk(req: Request, ctx: Context) -> Response:
    fields = _fields(req, PAPER_FIELDS)
    if isinstance(fields, Response):
        return fields
    query = (req.param("query") or "").replace("+", " ")
    works = [w for w, _ in ctx.title_index("s2").search(query)] if query else list(ctx.works("s2"))
    start = int(req.param("token") or 0) if (req.param("token") or "0").isdigit() else 0
    page = works[start : start + 1000]
    token = str(start + 1000) if start + 1000 < len(works) else None
    data = [select(render_paper(w), fields) for w in page]
    return json_response(200, {"total": len(works), "token": token, "data": data})


def _match(req: Request, ctx: Context) -> Response:
    asked = _query_and_fields(req)
    if isinstance(asked, Response):
        return asked
    query, fields = asked
    hits = _search_hits(ctx, query, req.param("year"))
    if not hits or coverage(query, hits[0][0].title) < MATCH_MIN_COVERAGE:
        return _error(404, "Title match not found")
    work, score = hits[0]
    paper = select(render_paper(work), fields)
    paper["matchScore"] = round(score * 20, 5)
    return json_response(200, {"data": [paper]})


def _authors(ctx: Context) -> dict[str, dict[str, Json]]:
    found: dict[str, dict[str, Json]] = {}
    for w in ctx.works("s2"):
        for a in w.authors:
            entry = found.setdefault(
                str(a.s2_author_id),
                {
                    "authorId": a.s2_author_id,
                    "externalIds": {"ORCID": a.orcid} if a.orcid else {},
                    "url": f"https://www.semanticscholar.org/author/{a.s2_author_id}",
                    "name": a.name,
                    "affiliations": [a.affiliation] if a.affiliation else [],
                    "paperCount": 0,
                    "citationCount": 0,
                    "hIndex": 0,
                },
            )
            entry["paperCount"] += 1
            entry["citationCount"] += w.citation_count
    return found


def _author_view(entry: dict[str, Json], fields: list[str]) -> dict[str, Json]:
    if not fields:
        return {"authorId": entry["authorId"], "name": entry["name"]}
    out = {"authorId": entry["authorId"]}
    out.update({f: entry[f] for f in AUTHOR_FIELDS if f in fields})
    return out


def _author(req: Request, ctx: Context, author_id: str) -> Response:
    fields = _fields(req, AUTHOR_FIELDS)
    if isinstance(fields, Response):
        return fields
    entry = _authors(ctx).get(author_id)
    if entry is None:
        return _error(404, "Author not found")
    return json_response(200, _author_view(entry, fields))


def _author_batch(req: Request, ctx: Context) -> Response:
    fields = _fields(req, AUTHOR_FIELDS)
    if isinstance(fields, Response):
        return fields
    try:
        ids = json.loads(req.body or b"{}").get("ids")
    except (ValueError, AttributeError):
        ids = None
    if not isinstance(ids, list) or len(ids) > 1000:
        return _error(400, 'Body must be {"ids": [...]} with at most 1000 author ids')
    table = _authors(ctx)
    out = [_author_view(table[i], fields) if i in table else None for i in ids]
    return json_response(200, out)
