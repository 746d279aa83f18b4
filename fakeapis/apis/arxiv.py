"""arXiv ``/api/query``: Atom feeds with opensearch totals, as export.arxiv.org answers them.

Real behaviours kept: the default ``max_results`` of 10 (a longer ``id_list`` is silently cut),
HTTP 400 with the one-entry error feed for a malformed id, 200 with zero entries for a well-formed
unknown id, 414 for a GET whose request target is longer than :data:`MAX_TARGET`, POST form bodies.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from typing import Final
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape, quoteattr

from fakeapis.catalog import Work
from fakeapis.context import Context
from fakeapis.http import Request, Response, text_response

MAX_TARGET: Final = 8000
"""Longest GET request target (path + query) answered; ~700 ids in an ``id_list`` exceed it."""
DEFAULT_MAX_RESULTS: Final = 10
MAX_RESULTS_CAP: Final = 30000
ATOM: Final = "application/atom+xml; charset=utf-8"

_ID = re.compile(r"^(?P<base>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v(?P<v>\d+))?$")
_FIELD = re.compile(r'(?P<f>ti|au|abs|all|cat|co|jr|rn|id):(?P<v>"[^"]*"|\(.*?\)|[^\s()]+)')
_OPS = re.compile(r"\b(AND|OR|ANDNOT)\b")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp(date: str | None, fallback_year: int | None) -> str:
    if not date:
        return f"{fallback_year or 2000}-01-01T00:00:00Z"
    if len(date) == 4:
        date += "-01-01"
    elif len(date) == 7:
        date += "-01"
    return date[:10] + "T00:00:00Z" if len(date) == 10 else date


def _params(req: Request) -> dict[str, str]:
    pairs = list(req.query)
    if req.method == "POST" and req.body:
        pairs += parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True)
    return dict(pairs)


def _feed_head(title_query: str, link_query: str, total: int, start: int, per_page: int) -> list[str]:
    digest = base64.b64encode(hashlib.sha1(link_query.encode()).digest()).decode()[:27]
    return [
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns="http://www.w3.org/2005/Atom">',
        f"  <id>https://arxiv.org/api/{digest}</id>",
        f"  <title>arXiv Query: {escape(title_query)}</title>",
        f"  <updated>{_now()}</updated>",
        f'  <link href={quoteattr("https://arxiv.org/api/query?" + link_query)} type="application/atom+xml"/>',
        f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>",
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>",
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>",
    ]


def error_feed(message: str, anchor: str, status: int = 400) -> Response:
    now = _now()
    url = f"https://arxiv.org/api/errors#{anchor}"
    lines = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns="http://www.w3.org/2005/Atom">',
        "  <id>https://arxiv.org/</id>",
        "  <title>arXiv Search Results</title>",
        f"  <updated>{now}</updated>",
        "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>",
        "  <opensearch:totalResults>1</opensearch:totalResults>",
        "  <opensearch:startIndex>0</opensearch:startIndex>",
        "  <entry>",
        f"    <id>{escape(url)}</id>",
        "    <title>Error</title>",
        f"    <updated>{now}</updated>",
        f'    <link href={quoteattr(url)} rel="alternate" type="text/html"/>',
        f"    <summary>{escape(message)}</summary>",
        "    <author>",
        "      <name>arXiv api core</name>",
        "    </author>",
        "  </entry>",
        "</feed>",
        "",
    ]
    return Response(status, "\n".join(lines).encode(), ATOM)


def entry(work: Work, version: int) -> list[str]:
    vid = f"{work.arxiv_id}v{version}"
    published = _stamp(work.arxiv_published or work.publication_date, work.year)
    updated = published if version == 1 else _stamp(work.arxiv_updated or work.arxiv_published, work.year)
    categories = work.categories or ("cs.CL",)
    out = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <title>{escape(work.title)}</title>",
        f"    <updated>{updated}</updated>",
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>',
        f"    <summary>{escape(work.abstract or '')}</summary>",
    ]
    out += [f'    <category term={quoteattr(c)} scheme="http://arxiv.org/schemas/atom"/>' for c in categories]
    out.append(f"    <published>{published}</published>")
    if work.comment:
        out.append(f"    <arxiv:comment>{escape(work.comment)}</arxiv:comment>")
    out.append(f"    <arxiv:primary_category term={quoteattr(categories[0])}/>")
    if work.journal_ref:
        out.append(f"    <arxiv:journal_ref>{escape(work.journal_ref)}</arxiv:journal_ref>")
    for a in work.authors:
        out.append("    <author>")
        out.append(f"      <name>{escape(a.name)}</name>")
        if a.affiliation:
            out.append(f"      <arxiv:affiliation>{escape(a.affiliation)}</arxiv:affiliation>")
        out.append("    </author>")
    if work.doi:
        out.append(f"    <arxiv:doi>{escape(work.doi)}</arxiv:doi>")
        out.append(f'    <link rel="related" href={quoteattr("https://doi.org/" + work.doi)} title="doi"/>')
    out.append("  </entry>")
    return out


def _score(ctx: Context, query: str) -> list[tuple[Work, float]]:
    """Relevance for ``search_query``: each field clause is scored by BM25 and the scores added."""
    clauses = [(m["f"], m["v"].strip('"()')) for m in _FIELD.finditer(query)]
    rest = _OPS.sub(" ", _FIELD.sub(" ", query)).strip()
    if rest:
        clauses.append(("all", rest))
    totals: dict[int, float] = {}
    works: dict[int, Work] = {}
    for field, text in clauses:
        text = text.replace("+", " ")
        index = ctx.arxiv_index(field)
        if index is None:
            continue
        for work, score in index.search(text):
            totals[id(work)] = totals.get(id(work), 0.0) + score
            works[id(work)] = work
    ranked = sorted(works.values(), key=lambda w: -totals[id(w)])
    return [(w, totals[id(w)]) for w in ranked]


def handle(req: Request, ctx: Context, *, empty: bool = False) -> Response:
    if req.path.rstrip("/") != "/api/query":
        return text_response(404, "Not Found")
    if req.method == "GET" and req.target_length > MAX_TARGET:
        return text_response(
            414,
            "<html><head><title>414 Request-URI Too Large</title></head><body><center><h1>414 Request-URI "
            "Too Large</h1></center></body></html>\n",
            "text/html",
        )
    p = _params(req)
    search_query = p.get("search_query", "").strip()
    raw_ids = [i.strip() for i in p.get("id_list", "").split(",") if i.strip()]
    try:
        start = int(p.get("start", "0") or 0)
    except ValueError:
        return error_feed("start must be an integer", "start_must_be_an_integer")
    try:
        max_results = int(p.get("max_results", str(DEFAULT_MAX_RESULTS)) or DEFAULT_MAX_RESULTS)
    except ValueError:
        return error_feed("max_results must be an integer", "max_results_must_be_an_integer")
    if start < 0:
        return error_feed("start must be non-negative", "start_must_be_non-negative")
    if max_results < 0:
        return error_feed("max_results must be non-negative", "max_results_must_be_non-negative")
    if max_results > MAX_RESULTS_CAP:
        return error_feed(
            f"max_results must be less than or equal to {MAX_RESULTS_CAP}", "max_results_too_large"
        )
    wanted: list[tuple[str, int | None]] = []
    for raw in raw_ids:
        m = _ID.match(raw)
        if not m:
            anchor = "incorrect_id_format_for_" + re.sub(r"\s", "_", raw)
            return error_feed(f"incorrect id format for {raw}", anchor)
        wanted.append((m["base"], int(m["v"]) if m["v"] else None))
    if (
        search_query
        and not search_query.startswith(
            tuple(f + ":" for f in ("ti", "au", "abs", "all", "cat", "co", "jr", "rn", "id"))
        )
        and ":" not in search_query
    ):
        search_query = "all:" + search_query

    results: list[tuple[Work, int]] = []
    if wanted:
        for base, version in wanted:
            work = ctx.catalog_view("arxiv").get(base.lower())
            if work is None or (version is not None and version > work.arxiv_version):
                continue
            results.append((work, version or work.arxiv_version))
        if search_query:
            allowed = {id(w) for w, _ in _score(ctx, search_query)}
            results = [(w, v) for w, v in results if id(w) in allowed]
    elif search_query:
        results = [(w, w.arxiv_version) for w, _ in _score(ctx, search_query)]
        sort_by = p.get("sortBy", "relevance")
        if sort_by in ("submittedDate", "lastUpdatedDate"):
            key = "arxiv_published" if sort_by == "submittedDate" else "arxiv_updated"
            results.sort(
                key=lambda wv: getattr(wv[0], key) or wv[0].arxiv_published or wv[0].publication_date or "",
                reverse=p.get("sortOrder", "descending") != "ascending",
            )

    ids_text = ",".join(raw_ids)
    title_query = f"search_query={search_query}&id_list={ids_text}&start={start}&max_results={max_results}"
    link_query = f"search_query={search_query}&start={start}&max_results={max_results}&id_list={ids_text}"
    if empty:
        results = []
    page = results[start : start + max_results]
    lines = _feed_head(title_query, link_query, len(results), start, max_results)
    for work, version in page:
        lines += entry(work, version)
    lines += ["</feed>", ""]
    return Response(200, "\n".join(lines).encode(), ATOM)
