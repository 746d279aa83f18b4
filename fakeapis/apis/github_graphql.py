"""GitHub ``/graphql``: needs a token (401 without), answers aliased ``repository(owner:, name:)`` batches
with ``null`` plus a ``NOT_FOUND`` error per missing alias, follows renames, validates field names as
GitHub's schema does, and reports ``rateLimit { cost remaining resetAt }``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fakeapis.apis.github_common import LICENSES, blob_sha, node_id, stamp
from fakeapis.catalog import Catalog, Repo, stable_int
from fakeapis.context import Context
from fakeapis.faults import draw
from fakeapis.graphql import Field, GraphQLSyntaxError, parse
from fakeapis.http import Request, Response, json_response

Json = Any


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Json]] = []


def _gql_repo(repo: Repo) -> dict[str, Json]:
    """Scalar/object values of a Repository; connections are computed in :func:`_resolve`."""
    return {
        "__typename": "Repository",
        "id": node_id("010:Repository", repo.id),
        "databaseId": repo.id,
        "name": repo.name,
        "nameWithOwner": repo.full_name,
        "url": f"https://github.com/{repo.full_name}",
        "description": repo.description,
        "homepageUrl": repo.homepage,
        "stargazerCount": repo.stars,
        "forkCount": repo.forks,
        "isArchived": repo.archived,
        "isFork": repo.fork,
        "isPrivate": False,
        "isDisabled": False,
        "isInOrganization": repo.owner_type == "Organization",
        "createdAt": stamp(repo.created_at) or "2020-01-01T00:00:00Z",
        "pushedAt": stamp(repo.pushed_at),
        "updatedAt": stamp(repo.updated_at) or stamp(repo.pushed_at),
        "diskUsage": repo.size,
        "owner": {
            "__typename": repo.owner_type,
            "login": repo.owner,
            "url": f"https://github.com/{repo.owner}",
            "avatarUrl": f"https://avatars.githubusercontent.com/u/{stable_int('user:' + repo.owner.lower(), 8)}?v=4",
            "name": repo.owner,
        },
        "licenseInfo": (
            None
            if not repo.license
            else {
                "__typename": "License",
                "spdxId": repo.license,
                "key": LICENSES.get(repo.license, (repo.license.lower(), ""))[0],
                "name": LICENSES.get(repo.license, ("", repo.license))[1],
                "url": f"http://choosealicense.com/licenses/{LICENSES.get(repo.license, (repo.license.lower(), ''))[0]}/",
            }
        ),
        "primaryLanguage": {"__typename": "Language", "name": repo.language} if repo.language else None,
        "defaultBranchRef": {"__typename": "Ref", "name": repo.default_branch},
    }


_CONNECTION_COUNTS: dict[str, Callable[[Repo], int]] = {
    "repositoryTopics": lambda r: len(r.topics),
    "issues": lambda r: r.open_issues,
    "pullRequests": lambda r: 0,
    "watchers": lambda r: r.watchers,
    "stargazers": lambda r: r.stars,
    "forks": lambda r: r.forks,
    "discussions": lambda r: 0,
    "releases": lambda r: 0,
    "languages": lambda r: 1 if r.language else 0,
}


def _connection(repo: Repo, f: Field, path: list[Json], errors: _Errors) -> dict[str, Json] | None:
    first = f.args.get("first") if isinstance(f.args.get("first"), int) else f.args.get("last")
    if f.selections and any(s.name in ("nodes", "edges") for s in f.selections) and first is None:
        errors.items.append(
            {
                "path": path,
                "locations": [{"line": f.line, "column": f.column}],
                "message": f"You must provide a `first` or `last` value to properly paginate the `{f.name}` connection.",
                "type": "MISSING_PAGINATION_BOUNDARIES",
            }
        )
        return None
    total = _CONNECTION_COUNTS[f.name](repo)
    nodes: list[dict[str, Json]] = []
    if f.name == "repositoryTopics":
        nodes = [
            {"__typename": "RepositoryTopic", "topic": {"__typename": "Topic", "name": t}}
            for t in repo.topics
        ]
    elif f.name == "languages" and repo.language:
        nodes = [{"__typename": "Language", "name": repo.language}]
    if isinstance(first, int):
        nodes = nodes[:first]
    value = {
        "__typename": f.name[0].upper() + f.name[1:] + "Connection",
        "totalCount": total,
        "nodes": nodes,
        "edges": [{"node": n, "cursor": node_id("cursor:", i)} for i, n in enumerate(nodes)],
        "pageInfo": {
            "__typename": "PageInfo",
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }
    return value


def _project(value: Json, selections: list[Field], type_name: str, path: list[Json], errors: _Errors) -> Json:
    if value is None or not selections:
        return value
    if isinstance(value, list):
        return [_project(v, selections, type_name, [*path, i], errors) for i, v in enumerate(value)]
    out: dict[str, Json] = {}
    vtype = value.get("__typename", type_name)
    for f in selections:
        if f.on_type is not None and f.on_type != vtype:
            continue
        if f.name not in value:
            errors.items.append(_undefined(f, vtype, [*path, f.key]))
            continue
        out[f.key] = _project(value[f.name], f.selections, f.name, [*path, f.key], errors)
    return out


def _git_object(repo: Repo, f: Field, catalog: Catalog | None) -> dict[str, Json] | None:
    """``object(expression: "<rev>:<path>")``: a file of the catalog as a ``Blob`` (``null`` when absent,
    as GitHub answers for a path that is not there; only the default branch's files exist here)."""
    expression = f.args.get("expression")
    if catalog is None or not isinstance(expression, str) or ":" not in expression:
        return None
    rev, _, path = expression.partition(":")
    if rev not in ("HEAD", repo.default_branch):
        return None
    found = catalog.files_by_key.get((repo.full_name.lower(), path.strip("/")))
    if found is None:
        return None
    binary = b"\0" in found.content[:8000]
    return {
        "__typename": "Blob",
        "oid": blob_sha(found.content),
        "byteSize": len(found.content),
        "isBinary": binary,
        "isTruncated": False,
        "text": None if binary else found.content.decode("utf-8", "replace"),
    }


def _resolve_repo(
    repo: Repo, f: Field, path: list[Json], errors: _Errors, catalog: Catalog | None = None
) -> Json:
    base = _gql_repo(repo)
    out: dict[str, Json] = {}
    for sub in f.selections:
        if sub.on_type is not None and sub.on_type != "Repository":
            continue
        here = [*path, sub.key]
        if sub.name == "object":
            out[sub.key] = _project(_git_object(repo, sub, catalog), sub.selections, "Blob", here, errors)
        elif sub.name in _CONNECTION_COUNTS:
            conn = _connection(repo, sub, here, errors)
            out[sub.key] = _project(conn, sub.selections, sub.name, here, errors)
        elif sub.name in base:
            out[sub.key] = _project(base[sub.name], sub.selections, sub.name, here, errors)
        else:
            errors.items.append(_undefined(sub, "Repository", ["query", *here]))
    return out


_REPO_FIELDS = (
    frozenset(_gql_repo(Repo(full_name="a/b", id=1))) | frozenset(_CONNECTION_COUNTS) | frozenset({"object"})
)
_QUERY_FIELDS = frozenset({"repository", "node", "rateLimit", "viewer"})


def _validate(fields: list[Field], errors: _Errors) -> None:
    """Top-level and Repository field names, checked as GitHub's schema validation does."""
    for f in fields:
        if f.name not in _QUERY_FIELDS:
            errors.items.append(_undefined(f, "Query", ["query", f.key]))
            continue
        if f.name != "repository":
            continue
        for sub in f.selections:
            if sub.on_type in (None, "Repository") and sub.name not in _REPO_FIELDS:
                errors.items.append(_undefined(sub, "Repository", ["query", f.key, sub.key]))


def _undefined(f: Field, type_name: str, path: list[Json]) -> dict[str, Json]:
    return {
        "path": path,
        "extensions": {"code": "undefinedField", "typeName": type_name, "fieldName": f.name},
        "locations": [{"line": f.line, "column": f.column}],
        "message": f"Field '{f.name}' doesn't exist on type '{type_name}'",
    }


def _not_found(f: Field, message: str) -> dict[str, Json]:
    """The error of a top-level field whose object does not exist (its value is ``null``)."""
    return {
        "type": "NOT_FOUND",
        "path": [f.key],
        "locations": [{"line": f.line, "column": f.column}],
        "message": message,
    }


def graphql(req: Request, ctx: Context, *, fail_fraction: float | None = None, seed: int = 0) -> Response:
    if not req.header("authorization"):
        return json_response(
            401,
            {
                "message": "This endpoint requires you to be authenticated.",
                "documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql",
                "status": "401",
            },
        )
    if req.method != "POST":
        return json_response(
            404, {"message": "Not Found", "documentation_url": "https://docs.github.com/graphql"}
        )
    try:
        payload = json.loads(req.body or b"{}")
        query = payload["query"]
        variables = payload.get("variables") or {}
        if not isinstance(query, str) or not isinstance(variables, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return json_response(
            400, {"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/graphql"}
        )
    try:
        fields = parse(query, variables)
    except GraphQLSyntaxError as exc:
        return json_response(
            200,
            {"errors": [{"message": str(exc), "locations": [{"line": exc.line, "column": exc.column}]}]},
        )
    errors = _Errors()
    _validate(fields, errors)
    if errors.items:  # schema validation fails the whole query, before any data is read
        return json_response(200, {"errors": errors.items})
    data: dict[str, Json] = {}
    connections = 0
    for f in fields:
        if f.name == "repository":
            connections += sum(1 for s in f.selections if s.name in _CONNECTION_COUNTS)
    cost = max(1, connections // 100)
    for f in fields:
        if f.name == "repository":
            owner, name = f.args.get("owner"), f.args.get("name")
            repo = ctx.catalog.repo_by_name.get(f"{owner}/{name}".lower()) if owner and name else None
            if repo is not None and repo.renamed_to:
                repo = ctx.catalog.repo_by_name.get(repo.renamed_to.lower())
            failed = fail_fraction is not None and draw(seed, "graphql", f.key) < fail_fraction
            if failed:
                data[f.key] = None
                errors.items.append(
                    {
                        "path": [f.key],
                        "locations": [{"line": f.line, "column": f.column}],
                        "message": "Something went wrong while executing your query. This may be the result of a "
                        "timeout, or it could be a GitHub bug. Please include `0000:FAKE` when reporting this issue.",
                    }
                )
            elif repo is None or repo.status != 200:
                data[f.key] = None
                errors.items.append(
                    _not_found(f, f"Could not resolve to a Repository with the name '{owner}/{name}'.")
                )
            else:
                data[f.key] = _resolve_repo(repo, f, [f.key], errors, ctx.catalog)
        elif f.name == "node":
            wanted = f.args.get("id")
            repo = next((r for r in ctx.catalog.repos if node_id("010:Repository", r.id) == wanted), None)
            if repo is None:
                data[f.key] = None
                errors.items.append(
                    _not_found(f, f"Could not resolve to a node with the global id of '{wanted}'")
                )
            else:
                data[f.key] = _resolve_repo(repo, f, [f.key], errors)
        elif f.name == "rateLimit":
            headers = dict(ctx.limits.github_headers(req, "graphql"))
            reset = datetime.fromtimestamp(int(headers["x-ratelimit-reset"]), UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            value = {
                "cost": cost,
                "limit": int(headers["x-ratelimit-limit"]),
                "remaining": int(headers["x-ratelimit-remaining"]),
                "used": int(headers["x-ratelimit-used"]),
                "resetAt": reset,
                "nodeCount": 0,
            }
            data[f.key] = _project(value, f.selections, "RateLimit", [f.key], errors)
        elif f.name == "viewer":
            data[f.key] = _project(
                {"login": "fake-user", "__typename": "User"}, f.selections, "User", [f.key], errors
            )
        else:
            errors.items.append(_undefined(f, "Query", ["query", f.key]))
    if any(e.get("extensions", {}).get("code") == "undefinedField" for e in errors.items):
        return json_response(200, {"errors": errors.items})  # validation errors: no data at all
    body: dict[str, Json] = {"data": data}
    if errors.items:
        body["errors"] = errors.items
    return json_response(200, body)
