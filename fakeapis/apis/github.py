"""GitHub REST (``/repos``, ``/repositories``, contents/readme, ``/rate_limit``) and ``/graphql``.

Real behaviours kept: owner/name are case-insensitive; a renamed repository answers 301 with
``Location: /repositories/{id}`` (302 for its contents); 404 and 451 bodies; weak ``ETag`` with
``If-None-Match`` -> 304 (free against the quota); ``x-ratelimit-*`` headers on every answer;
GraphQL needs a token (401 without), answers aliased ``repository(owner:, name:)`` batches with
``null`` plus a ``NOT_FOUND`` error per missing alias, follows renames, and reports
``rateLimit { cost remaining resetAt }``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import unquote

from fakeapis.catalog import Catalog, Repo, RepoFile, stable_int
from fakeapis.context import Context
from fakeapis.faults import draw
from fakeapis.graphql import Field, GraphQLSyntaxError, parse
from fakeapis.http import Request, Response, json_response, text_response

Json = Any
API: Final = "https://api.github.com"
LICENSES: Final = {
    "MIT": ("mit", "MIT License"),
    "Apache-2.0": ("apache-2.0", "Apache License 2.0"),
    "GPL-3.0": ("gpl-3.0", "GNU General Public License v3.0"),
    "LGPL-3.0": ("lgpl-3.0", "GNU Lesser General Public License v3.0"),
    "BSD-3-Clause": ("bsd-3-clause", 'BSD 3-Clause "New" or "Revised" License'),
    "BSD-2-Clause": ("bsd-2-clause", 'BSD 2-Clause "Simplified" License'),
    "CC-BY-4.0": ("cc-by-4.0", "Creative Commons Attribution 4.0 International"),
    "CC0-1.0": ("cc0-1.0", "Creative Commons Zero v1.0 Universal"),
    "AGPL-3.0": ("agpl-3.0", "GNU Affero General Public License v3.0"),
    "MPL-2.0": ("mpl-2.0", "Mozilla Public License 2.0"),
    "Unlicense": ("unlicense", "The Unlicense"),
    "NOASSERTION": ("other", "Other"),
}


def _stamp(date: str | None) -> str | None:
    if not date:
        return None
    if len(date) == 10:
        return date + "T00:00:00Z"
    return date


def _node_id(prefix: str, number: int) -> str:
    return base64.b64encode(f"{prefix}{number}".encode()).decode()


def _license(spdx: str | None) -> dict[str, Json] | None:
    if not spdx:
        return None
    key, name = LICENSES.get(spdx, (spdx.lower(), spdx))
    return {
        "key": key,
        "name": name,
        "spdx_id": spdx,
        "url": None if key == "other" else f"{API}/licenses/{key}",
        "node_id": _node_id("04:License", stable_int("lic:" + key, 2)),
    }


def _owner(repo: Repo) -> dict[str, Json]:
    login = repo.owner
    uid = stable_int("user:" + login.lower(), 8)
    u = f"{API}/users/{login}"
    kind = repo.owner_type
    return {
        "login": login,
        "id": uid,
        "node_id": _node_id("012:Organization" if kind == "Organization" else "04:User", uid),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
        "gravatar_id": "",
        "url": u,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{u}/followers",
        "following_url": f"{u}/following{{/other_user}}",
        "gists_url": f"{u}/gists{{/gist_id}}",
        "starred_url": f"{u}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{u}/subscriptions",
        "organizations_url": f"{u}/orgs",
        "repos_url": f"{u}/repos",
        "events_url": f"{u}/events{{/privacy}}",
        "received_events_url": f"{u}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def render_repo(repo: Repo, *, authenticated: bool = False) -> dict[str, Json]:
    """The REST ``GET /repos/{owner}/{repo}`` body (the 2026 shape)."""
    base = f"{API}/repos/{repo.full_name}"
    out: dict[str, Json] = {
        "id": repo.id,
        "node_id": _node_id("010:Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": False,
        "owner": _owner(repo),
        "html_url": f"https://github.com/{repo.full_name}",
        "description": repo.description,
        "fork": repo.fork,
        "url": base,
    }
    for name, suffix in (
        ("forks_url", "/forks"),
        ("keys_url", "/keys{/key_id}"),
        ("collaborators_url", "/collaborators{/collaborator}"),
        ("teams_url", "/teams"),
        ("hooks_url", "/hooks"),
        ("issue_events_url", "/issues/events{/number}"),
        ("events_url", "/events"),
        ("assignees_url", "/assignees{/user}"),
        ("branches_url", "/branches{/branch}"),
        ("tags_url", "/tags"),
        ("blobs_url", "/git/blobs{/sha}"),
        ("git_tags_url", "/git/tags{/sha}"),
        ("git_refs_url", "/git/refs{/sha}"),
        ("trees_url", "/git/trees{/sha}"),
        ("statuses_url", "/statuses/{sha}"),
        ("languages_url", "/languages"),
        ("stargazers_url", "/stargazers"),
        ("contributors_url", "/contributors"),
        ("subscribers_url", "/subscribers"),
        ("subscription_url", "/subscription"),
        ("commits_url", "/commits{/sha}"),
        ("git_commits_url", "/git/commits{/sha}"),
        ("comments_url", "/comments{/number}"),
        ("issue_comment_url", "/issues/comments{/number}"),
        ("contents_url", "/contents/{+path}"),
        ("compare_url", "/compare/{base}...{head}"),
        ("merges_url", "/merges"),
        ("archive_url", "/{archive_format}{/ref}"),
        ("downloads_url", "/downloads"),
        ("issues_url", "/issues{/number}"),
        ("pulls_url", "/pulls{/number}"),
        ("milestones_url", "/milestones{/number}"),
        ("notifications_url", "/notifications{?since,all,participating}"),
        ("labels_url", "/labels{/name}"),
        ("releases_url", "/releases{/id}"),
        ("deployments_url", "/deployments"),
    ):
        out[name] = base + suffix
    created = _stamp(repo.created_at) or "2020-01-01T00:00:00Z"
    pushed = _stamp(repo.pushed_at) or created
    out.update(
        {
            "created_at": created,
            "updated_at": _stamp(repo.updated_at) or pushed,
            "pushed_at": pushed,
            "git_url": f"git://github.com/{repo.full_name}.git",
            "ssh_url": f"git@github.com:{repo.full_name}.git",
            "clone_url": f"https://github.com/{repo.full_name}.git",
            "svn_url": f"https://github.com/{repo.full_name}",
            "homepage": repo.homepage,
            "size": repo.size,
            "stargazers_count": repo.stars,
            "watchers_count": repo.stars,
            "language": repo.language,
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": True,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": repo.forks,
            "mirror_url": None,
            "archived": repo.archived,
            "disabled": False,
            "open_issues_count": repo.open_issues,
            "license": _license(repo.license),
            "allow_forking": True,
            "is_template": False,
            "web_commit_signoff_required": False,
            "has_pull_requests": True,
            "pull_request_creation_policy": "all",
            "topics": list(repo.topics),
            "visibility": "public",
            "forks": repo.forks,
            "open_issues": repo.open_issues,
            "watchers": repo.stars,
            "default_branch": repo.default_branch,
        }
    )
    if authenticated:
        out["permissions"] = {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True}
    out["temp_clone_token"] = None
    out["custom_properties"] = {}
    if repo.owner_type == "Organization":
        out["organization"] = _owner(repo)
    out["network_count"] = repo.forks
    out["subscribers_count"] = repo.watchers
    return out


def _not_found(doc: str = "https://docs.github.com/rest/repos/repos#get-a-repository") -> Response:
    return json_response(404, {"message": "Not Found", "documentation_url": doc, "status": "404"})


def _blocked() -> Response:
    return json_response(
        451,
        {
            "message": "Repository access blocked",
            "block": {
                "reason": "dmca",
                "created_at": "2024-01-01T00:00:00Z",
                "html_url": "https://github.com/github/dmca/blob/master/2024/01/2024-01-01-example.md",
            },
        },
    )


def _etag(body: bytes) -> str:
    return 'W/"' + hashlib.sha256(body).hexdigest() + '"'


def _with_etag(req: Request, resp: Response) -> Response:
    if resp.status == 404:
        resp.headers.append(("ETag", '"' + hashlib.md5(resp.body).hexdigest() + '"'))
        return resp
    if resp.status != 200:
        return resp
    tag = _etag(resp.body)
    wanted = req.header("if-none-match")
    if wanted and tag.removeprefix("W/") in {t.strip().removeprefix("W/") for t in wanted.split(",")}:
        return Response(304, b"", "", [("ETag", tag)])
    resp.headers.append(("ETag", tag))
    resp.headers.append(("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT"))
    return resp


def handle(req: Request, ctx: Context) -> Response:
    path = unquote(req.path).rstrip("/") or "/"
    if path == "/graphql":
        return graphql(req, ctx)
    if path == "/rate_limit":
        return _rate_limit(req, ctx)
    parts = path.strip("/").split("/")
    if parts[0] == "repos" and len(parts) >= 3:
        repo = ctx.catalog.repo_by_name.get(f"{parts[1]}/{parts[2]}".lower())
        rest = parts[3:]
    elif parts[0] == "repositories" and len(parts) >= 2 and parts[1].isdigit():
        repo = ctx.catalog.repo_by_id.get(int(parts[1]))
        if repo is not None and repo.renamed_to:
            repo = ctx.catalog.repo_by_name.get(repo.renamed_to.lower())
        rest = parts[2:]
    else:
        return _not_found("https://docs.github.com/rest")
    if repo is None or repo.status == 404:
        return _with_etag(req, _not_found())
    if repo.status == 451:
        return _blocked()
    if repo.renamed_to:
        target = ctx.catalog.repo_by_name.get(repo.renamed_to.lower())
        if target is None:
            return _not_found()
        tail = "/" + "/".join(rest) if rest else ""
        location = f"{req.root}/repositories/{target.id}{tail}"
        if not rest:
            body = {
                "message": "Moved Permanently",
                "url": location,
                "documentation_url": "https://docs.github.com/v3/#http-redirects",
            }
            return json_response(301, body, [("Location", location)])
        return text_response(302, "", "text/html;charset=utf-8", [("Location", location)])
    if not rest:
        return _with_etag(
            req, json_response(200, render_repo(repo, authenticated=bool(req.header("authorization"))))
        )
    if rest == ["readme"]:
        readme = next(
            (
                f
                for (name, p), f in ctx.catalog.files_by_key.items()
                if name == repo.full_name.lower() and p.lower().startswith("readme")
            ),
            None,
        )
        if readme is None:
            return _not_found("https://docs.github.com/rest/repos/contents#get-a-repository-readme")
        return _with_etag(req, _file_response(req, repo, readme))
    if rest[0] == "contents":
        wanted = "/".join(rest[1:])
        found = ctx.catalog.files_by_key.get((repo.full_name.lower(), wanted))
        if found is None:
            return _not_found("https://docs.github.com/rest/repos/contents#get-repository-content")
        return _with_etag(req, _file_response(req, repo, found))
    return _not_found("https://docs.github.com/rest")


def _file_response(req: Request, repo: Repo, f: RepoFile) -> Response:
    accept = req.header("accept") or ""
    if "raw" in accept:
        return Response(200, f.content, "application/vnd.github.raw; charset=utf-8")
    sha = hashlib.sha1(b"blob %d\0" % len(f.content) + f.content).hexdigest()
    encoded = base64.b64encode(f.content).decode()
    wrapped = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"
    url = f"{API}/repos/{repo.full_name}/contents/{f.path}?ref={repo.default_branch}"
    html = f"https://github.com/{repo.full_name}/blob/{repo.default_branch}/{f.path}"
    git = f"{API}/repos/{repo.full_name}/git/blobs/{sha}"
    body = {
        "name": f.path.rsplit("/", 1)[-1],
        "path": f.path,
        "sha": sha,
        "size": len(f.content),
        "url": url,
        "html_url": html,
        "git_url": git,
        "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{repo.default_branch}/{f.path}",
        "type": "file",
        "content": wrapped,
        "encoding": "base64",
        "_links": {"self": url, "git": git, "html": html},
    }
    return json_response(200, body)


def _rate_limit(req: Request, ctx: Context) -> Response:
    core = dict(ctx.limits.github_headers(req, "core"))
    gql = dict(ctx.limits.github_headers(req, "graphql"))

    def entry(h: dict[str, str]) -> dict[str, int]:
        return {
            "limit": int(h["x-ratelimit-limit"]),
            "used": int(h["x-ratelimit-used"]),
            "remaining": int(h["x-ratelimit-remaining"]),
            "reset": int(h["x-ratelimit-reset"]),
        }

    reset = int(core["x-ratelimit-reset"])
    resources = {
        "core": entry(core),
        "search": {"limit": 30, "used": 0, "remaining": 30, "reset": reset},
        "graphql": entry(gql),
        "integration_manifest": {"limit": 5000, "used": 0, "remaining": 5000, "reset": reset},
        "source_import": {"limit": 100, "used": 0, "remaining": 100, "reset": reset},
        "code_scanning_upload": {"limit": 1000, "used": 0, "remaining": 1000, "reset": reset},
        "code_scanning_autofix": {"limit": 10, "used": 0, "remaining": 10, "reset": reset},
        "actions_runner_registration": {"limit": 10000, "used": 0, "remaining": 10000, "reset": reset},
        "scim": {"limit": 15000, "used": 0, "remaining": 15000, "reset": reset},
        "dependency_snapshots": {"limit": 100, "used": 0, "remaining": 100, "reset": reset},
        "audit_log": {"limit": 1750, "used": 0, "remaining": 1750, "reset": reset},
        "audit_log_streaming": {"limit": 15, "used": 0, "remaining": 15, "reset": reset},
        "code_search": {"limit": 10, "used": 0, "remaining": 10, "reset": reset},
    }
    return json_response(200, {"resources": resources, "rate": entry(core)})


# ---------------------------------------------------------------------------------------------
# GraphQL


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Json]] = []


def _gql_repo(repo: Repo) -> dict[str, Json]:
    """Scalar/object values of a Repository; connections are computed in :func:`_resolve`."""
    return {
        "__typename": "Repository",
        "id": _node_id("010:Repository", repo.id),
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
        "createdAt": _stamp(repo.created_at) or "2020-01-01T00:00:00Z",
        "pushedAt": _stamp(repo.pushed_at),
        "updatedAt": _stamp(repo.updated_at) or _stamp(repo.pushed_at),
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
        "edges": [{"node": n, "cursor": _node_id("cursor:", i)} for i, n in enumerate(nodes)],
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
            errors.items.append(
                {
                    "path": [*path, f.key],
                    "extensions": {"code": "undefinedField", "typeName": vtype, "fieldName": f.name},
                    "locations": [{"line": f.line, "column": f.column}],
                    "message": f"Field '{f.name}' doesn't exist on type '{vtype}'",
                }
            )
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
        "oid": hashlib.sha1(b"blob %d\0" % len(found.content) + found.content).hexdigest(),
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
            errors.items.append(
                {
                    "path": ["query", *here],
                    "extensions": {"code": "undefinedField", "typeName": "Repository", "fieldName": sub.name},
                    "locations": [{"line": sub.line, "column": sub.column}],
                    "message": f"Field '{sub.name}' doesn't exist on type 'Repository'",
                }
            )
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
                    {
                        "type": "NOT_FOUND",
                        "path": [f.key],
                        "locations": [{"line": f.line, "column": f.column}],
                        "message": f"Could not resolve to a Repository with the name '{owner}/{name}'.",
                    }
                )
            else:
                data[f.key] = _resolve_repo(repo, f, [f.key], errors, ctx.catalog)
        elif f.name == "node":
            node_id = f.args.get("id")
            repo = next((r for r in ctx.catalog.repos if _node_id("010:Repository", r.id) == node_id), None)
            if repo is None:
                data[f.key] = None
                errors.items.append(
                    {
                        "type": "NOT_FOUND",
                        "path": [f.key],
                        "locations": [{"line": f.line, "column": f.column}],
                        "message": f"Could not resolve to a node with the global id of '{node_id}'",
                    }
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
            errors.items.append(
                {
                    "path": ["query", f.key],
                    "extensions": {"code": "undefinedField", "typeName": "Query", "fieldName": f.name},
                    "locations": [{"line": f.line, "column": f.column}],
                    "message": f"Field '{f.name}' doesn't exist on type 'Query'",
                }
            )
    if any(e.get("extensions", {}).get("code") == "undefinedField" for e in errors.items):
        return json_response(200, {"errors": errors.items})  # validation errors: no data at all
    body: dict[str, Json] = {"data": data}
    if errors.items:
        body["errors"] = errors.items
    return json_response(200, body)
