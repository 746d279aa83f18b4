"""Hugging Face Hub ``/api/models|datasets|spaces/{id}``.

Real behaviours kept: a renamed repo answers 307 with a relative ``Location`` and the recorded
plain-text body; a missing repo answers 401 without a token and 404 with one (the Hub hides private
repos), with ``X-Error-Code: RepoNotFound``; ``expand=`` returns only ``_id``, ``id`` and the
expanded properties; the ``RateLimit`` / ``RateLimit-Policy`` headers come from the limiter.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from fakeapis.catalog import HfItem, stable_hex
from fakeapis.context import Context
from fakeapis.http import Request, Response, json_response, text_response

Json = Any
KINDS: Final = {"models": "model", "datasets": "dataset", "spaces": "space"}


def render_item(item: HfItem) -> dict[str, Json]:
    author = item.id.split("/", 1)[0] if "/" in item.id else None
    out: dict[str, Json] = {"_id": stable_hex("hfid:" + item.id, 24), "id": item.id}
    if item.kind == "model":
        out["private"] = item.private
        if item.pipeline_tag is not None:
            out["pipeline_tag"] = item.pipeline_tag
        if item.library_name is not None:
            out["library_name"] = item.library_name
        out["tags"] = list(item.tags)
        out["downloads"] = item.downloads
        out["likes"] = item.likes
        out["modelId"] = item.id
        if author:
            out["author"] = author
    else:
        if author:
            out["author"] = author
        out["sha"] = item.sha
        out["lastModified"] = item.last_modified or "2024-01-01T00:00:00.000Z"
        out["private"] = item.private
        out["gated"] = item.gated
        out["disabled"] = False
        if item.kind == "dataset":
            out["downloads"] = item.downloads
        out["likes"] = item.likes
        out["tags"] = list(item.tags)
    if item.kind == "model":
        out["sha"] = item.sha
        out["lastModified"] = item.last_modified or "2024-01-01T00:00:00.000Z"
        out["gated"] = item.gated
        out["disabled"] = False
    if item.downloads_all_time is not None:
        out["downloadsAllTime"] = item.downloads_all_time
    out.update(item.hub)
    out.setdefault("createdAt", item.created_at or "2023-01-01T00:00:00.000Z")
    return out


def _missing(req: Request) -> Response:
    status = 404 if req.header("authorization") else 401
    message = "Repository not found" if status == 404 else "Invalid username or password."
    return json_response(
        status,
        {"error": message},
        [("X-Error-Code", "RepoNotFound"), ("X-Error-Message", message)],
    )


def handle(req: Request, ctx: Context) -> Response:
    path = unquote(req.path).strip("/")
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "api" or parts[1] not in KINDS:
        return text_response(404, "Not Found")
    kind = KINDS[parts[1]]
    rest = parts[2:]
    # /api/models/{id}/revision/{rev} (what huggingface_hub calls with a revision) answers the same
    if "revision" in rest and rest.index("revision") in (1, 2) and len(rest) == rest.index("revision") + 2:
        rest = rest[: rest.index("revision")]
    if len(rest) > 2:  # other sub-resources (tree, refs, ...) are not modelled: the Hub's 404
        return text_response(404, "Not Found")
    item_id = "/".join(rest)
    item = ctx.catalog.hf_by_key.get((kind, item_id.lower()))
    if item is None or item.status == 404:
        return _missing(req)
    if item.renamed_to:
        # the Hub sends a path-only Location; on the double it keeps the source prefix (/hf)
        location = f"{urlsplit(req.root).path}/api/{parts[1]}/{item.renamed_to}"
        return text_response(
            307,
            f"Temporary Redirect. Redirecting to {location}",
            "text/plain; charset=utf-8",
            [("Location", location)],
        )
    body = render_item(item)
    expand = [v for k, v in req.query if k in ("expand", "expand[]")]
    if expand:
        body = {k: body[k] for k in ("_id", "id")} | {k: body[k] for k in expand if k in body}
    resp = json_response(200, body)
    resp.headers.append(("ETag", 'W/"' + hashlib.sha1(resp.body).hexdigest()[:24] + '"'))
    return resp
