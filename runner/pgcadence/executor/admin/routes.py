"""What the executor mounts for the console, and the OpenAPI description of the admin API."""

from __future__ import annotations

from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pgcadence.executor.admin import api, pages, signin
from pgcadence.executor.admin.registry import API_ROUTES
from pgcadence.executor.admin.render import STATIC, secure
from pgcadence.executor.functions import cron_admin  # noqa: F401  (registers the cron-jobs routes)


class _Static(StaticFiles):
    """The console's scripts and styles, with its security headers."""

    async def get_response(self, path, scope):
        return secure(await super().get_response(path, scope))


def routes() -> list:
    """The console's routes: static files, sign-in, pages, and the admin API."""
    out: list = [Mount("/admin/static", app=_Static(directory=str(STATIC)), name="admin-static"),
                 Route("/admin/login", signin.login_get, methods=["GET"]),
                 Route("/admin/login", signin.login_post, methods=["POST"]),
                 Route("/admin/logout", signin.logout, methods=["POST"])]
    out += [Route(path, endpoint, methods=["GET"]) for path, endpoint in pages.PAGES]
    out += [Route(r.path, api.make_endpoint(r), methods=list(r.methods), name=f"admin-api-{r.name}-{'-'.join(r.methods)}")
            for r in API_ROUTES]
    return out


def _oa_path(path: str) -> str:
    return path.replace(":int}", "}")


def openapi_paths() -> dict:
    """OpenAPI 3.1 path items of the admin API (security schemes: bearerAuth, adminSession)."""
    err = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    paths: dict = {}
    for r in API_ROUTES:
        item = paths.setdefault(_oa_path(r.path), {})
        for method in r.methods:
            params = [{"name": n.split(":")[0], "in": "path", "required": True, "schema": {"type": "string"}}
                      for n in _placeholders(r.path)]
            op = {"operationId": f"admin_{r.name}_{method.lower()}".replace("-", "_"), "summary": r.summary,
                  "description": r.description + "\n\nAdmins only: an admin user's JWT (bearer), or the console's "
                                 "session cookie" + (" with its CSRF token in the X-CSRF-Token header." if method != "GET" else "."),
                  "tags": ["admin"], "security": [{"bearerAuth": []}, {"adminSession": []}],
                  "responses": {"200": {"description": "JSON result", "content": {"application/json": {"schema": {"type": "object"}}}},
                                "400": err, "401": err, "403": err, "404": err, "409": err}}
            if params:
                op["parameters"] = params
            if method == "POST":
                op["requestBody"] = {"required": False, "content": {"application/json": {"schema": {"type": "object"}}}}
                op["parameters"] = op.get("parameters", []) + [
                    {"name": "X-CSRF-Token", "in": "header", "required": False, "schema": {"type": "string"},
                     "description": "required with the session cookie"}]
            item[method.lower()] = op
    return paths


def _placeholders(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


SECURITY_SCHEMES = {"adminSession": {"type": "apiKey", "in": "cookie", "name": signin.COOKIE,
                                     "description": "the admin console's session (sign in at /admin/login)"}}
