"""The console's pages (``/admin/…``), rendered on the server.

A page needs a session (else it redirects to the sign-in page) and an admin (else 403):
``public.is_admin_user()`` decides, asked as the caller. ``?fragment=NAME`` renders one
part of a page only; the page's script fetches those to refresh live parts and to fill
dialogs.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import psycopg
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from pgcadence.executor import auth
from pgcadence.executor.admin import inputs, statements as sql, signin
from pgcadence.executor.admin.api import one, sql_error
from pgcadence.executor.admin.render import render, secure
from pgcadence.executor.context import RequestContext
from pgcadence.executor.errors import ApiError

PAGES: list[tuple[str, object]] = []  # (path, endpoint)

def page(path: str, template: str, nav: str, fragments: tuple[str, ...] = ()):
    """Register a page: ``handler(request, ctx) -> dict`` fills ``template`` (or a fragment ``_NAME.html``)."""

    def register(handler):
        async def endpoint(request: Request) -> Response:
            try:
                caller = await signin.caller_from(request)
            except (auth.AuthError, ApiError):
                caller = None
            if caller is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return secure(RedirectResponse(f"/admin/login?next={quote(target, safe='')}", status_code=303))
            ctx = RequestContext(function=f"admin-page-{nav}", request=request,
                                 request_id=request.scope.get("state", {}).get("request_id", ""), role=caller.role,
                                 claims=caller.claims, auth=caller.how, body=None, raw_body=b"", pool=request.app.state.pool)
            state = request.scope.setdefault("state", {})
            state["function"], state["role"], state["auth"] = ctx.function, caller.role, caller.how
            fragment = request.query_params.get("fragment")
            if fragment is not None and fragment not in fragments:
                return _error(request, caller, 404, f"no fragment '{fragment[:40]}' on this page")
            try:
                if not await one(ctx, sql.IS_ADMIN):
                    return _error(request, caller, 403, "You are signed in, but you are not an admin: the console is "
                                                         "for users whose profiles.role is 'admin'.")
                context = await handler(request, ctx)
            except ApiError as exc:
                return _error(request, caller, exc.status, exc.message)
            except psycopg.Error as exc:
                err = sql_error(exc)
                return _error(request, caller, err.status, err.message)
            context.update(caller=caller, csrf=caller.csrf or "", active=nav)
            return render(request, f"_{fragment}.html" if fragment else template, context)

        endpoint.__name__ = f"page_{handler.__name__}"
        PAGES.append((path, endpoint))
        return handler

    return register


def _error(request: Request, caller, status: int, message: str) -> Response:
    return render(request, "error.html", {"status": status, "message": message, "caller": caller,
                                          "csrf": getattr(caller, "csrf", "") or "", "active": None}, status=status)


def _page_links(request: Request, total: int, page: int, size: int) -> dict:
    """Previous/next links that keep the page's filters."""
    pages = max(1, -(-int(total) // size))
    params = {k: v for k, v in request.query_params.items() if k not in ("page", "fragment")}

    def link(n: int) -> str:
        return "?" + urlencode({**params, "page": n})

    return {"page": page, "pages": pages, "total": total,
            "prev": link(page - 1) if page > 1 else None, "next": link(page + 1) if page < pages else None}


def _filters(request: Request, *names: str) -> dict:
    return {n: inputs.text(request.query_params, n) or "" for n in names}


# ------------------------------------------------------------------ pages
@page("/admin/cron", "cron.html", "cron", fragments=("cron_table",))
async def cron(request, ctx):
    async with ctx.as_role() as conn:
        jobs, summary = await (await conn.execute(sql.CRON_PAGE)).fetchone()
    runs = await one(ctx, sql.CRON_RUNS, (None, None, 1, 5))
    handlers = await one(ctx, sql.HANDLERS)
    return {"jobs": jobs, "summary": summary, "runs": runs["runs"], "handlers": handlers}


@page("/admin/cron/history", "history.html", "history", fragments=("history_table",))
async def history(request, ctx):
    f = _filters(request, "job", "status")
    p = inputs.integer(request.query_params, "page", 1, 1, 100000)
    data = await one(ctx, sql.CRON_RUNS, (f["job"] or None, f["status"] or None, p, 25))
    names = [j["jobname"] for j in await one(ctx, sql.CRON_JOBS)]
    return {"runs": data["runs"], "f": f, "names": names, "pager": _page_links(request, data["total"], p, 25)}


@page("/admin/jobs", "jobs.html", "jobs", fragments=("jobs_table", "queue_metrics"))
async def jobs(request, ctx):
    f = _filters(request, "status", "task_type", "q")
    p = inputs.integer(request.query_params, "page", 1, 1, 100000)
    data = await one(ctx, sql.JOBS, (f["status"] or None, f["task_type"] or None, f["q"] or None, p, 25))
    return {"jobs": data["jobs"], "f": f, "metrics": await one(ctx, sql.QUEUE_METRICS),
            "task_types": await one(ctx, sql.JOB_TASK_TYPES), "handlers": await one(ctx, sql.HANDLERS),
            "pager": _page_links(request, data["total"], p, 25), "capped": data["total_capped"]}


@page("/admin/audit", "audit.html", "audit", fragments=("audit_table",))
async def audit(request, ctx):
    f = _filters(request, "action", "org", "provider", "user", "since", "until", "sort", "dir")
    p = inputs.integer(request.query_params, "page", 1, 1, 100000)
    user = f["user"] or None
    if user:
        try:
            user = inputs.job_id(user)
        except ApiError:
            raise inputs.bad("'user' must be a user id (uuid)") from None
    data = await one(ctx, sql.AUDIT, (f["action"] or None, f["org"] or None, f["provider"] or None, user,
                                    f["since"] or None, f["until"] or None, f["sort"] or "created_at",
                                    (f["dir"] or "desc") != "asc", p, 50))
    return {"data": data, "rows": data["rows"], "f": f, "facets": await one(ctx, sql.AUDIT_FACETS),
            "pager": _page_links(request, data["total"], p, 50)}


@page("/admin/net", "net.html", "net", fragments=("net_tables",))
async def net(request, ctx):
    f = _filters(request, "outcome")
    p = inputs.integer(request.query_params, "page", 1, 1, 100000)
    data = await one(ctx, sql.NET, (f["outcome"] or None, p, 25))
    return {"net": data, "f": f, "pager": _page_links(request, data.get("total", 0), p, 25)}


# ------------------------------------------------------------------ pages of one statement
def _one_statement(path: str, template: str, nav: str, fragment: str, key: str, statement: str,
                   args=lambda request: ()) -> None:
    """Register a page whose template shows ``statement``'s value as ``key``."""

    async def handler(request, ctx):
        return {key: await one(ctx, statement, args(request))}

    handler.__name__ = fragment
    page(path, template, nav, fragments=(fragment,))(handler)


for _spec in (
    ("/admin", "overview.html", "overview", "overview_cards", "o", sql.OVERVIEW),
    ("/admin/cron/runs/{runid:int}", "run.html", "history", "run_detail", "run", sql.CRON_RUN,
     lambda request: (request.path_params["runid"],)),
    ("/admin/cron/health", "health.html", "cron", "health", "checks", sql.CRON_HEALTH),
    ("/admin/jobs/{id}", "job.html", "jobs", "job_detail", "job", sql.JOB,
     lambda request: (inputs.job_id(request.path_params["id"]),)),
    ("/admin/net/{id:int}", "net_request.html", "net", "net_detail", "r", sql.NET_REQUEST,
     lambda request: (request.path_params["id"],)),
    ("/admin/caches", "caches.html", "caches", "caches_table", "data", sql.CACHES),
):
    _one_statement(*_spec)
