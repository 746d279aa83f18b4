"""GitHub REST (``/repos``, ``/repositories``, contents/readme, ``/rate_limit``); ``/graphql`` is routed to
:mod:`fakeapis.apis.github_graphql`.

Real behaviours kept: owner/name are case-insensitive; a renamed repository answers 301 with
``Location: /repositories/{id}`` (302 for its contents); 404 and 451 bodies; weak ``ETag`` with
``If-None-Match`` -> 304 (free against the quota); ``x-ratelimit-*`` headers on every answer.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import unquote

from fakeapis.apis.github_common import API, LICENSES, blob_sha, node_id, stamp
from fakeapis.apis.github_graphql import graphql
from fakeapis.catalog import Repo, RepoFile, stable_int
from fakeapis.context import Context
from fakeapis.http import Request, Response, json_response, text_response

Json = Any


def _license(spdx: str | None) -> dict[str, Json] | None:
    if not spdx:
        return None
    key, name = LICENSES.get(spdx, (spdx.lower(), spdx))
    return {
        "key": key,
        "name": name,
        "spdx_id": spdx,
        "url": None if key == "other" else f"{API}/licenses/{key}",
        "node_id": node_id("04:License", stable_int("lic:" + key, 2)),
    }


def _owner(repo: Repo) -> dict[str, Json]:
    login = repo.owner
    uid = stable_int("user:" + login.lower(), 8)
    u = f"{API}/users/{login}"
    kind = repo.owner_type
    return {
        "login": login,
        "id": uid,
        "node_id": node_id("012:Organization" if kind == "Organization" else "04:User", uid),
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
        "node_id": node_id("010:Repository", repo.id),
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
    created = stamp(repo.created_at) or "2020-01-01T00:00:00Z"
    pushed = stamp(repo.pushed_at) or created
    out.update(
        {
            "created_at": created,
            "updated_at": stamp(repo.updated_at) or pushed,
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
    sha = blob_sha(f.content)
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
