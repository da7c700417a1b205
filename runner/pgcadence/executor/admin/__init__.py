"""The admin console: server-rendered pages at ``/admin`` and the JSON admin API at
``/api/admin/…``, served by the executor on its own port (docs/admin.md).

    registry   the admin API route table (``@admin_route``)
    signin     who is calling: session cookie (+ CSRF) or an admin JWT; login and logout
    api        the JSON routes
    pages      the HTML pages
    render     Jinja2 templates, formatting filters, security headers
    routes     what the executor mounts, and the routes' OpenAPI description

Every SQL statement runs as the caller (role ``authenticated`` with the user's claims),
through the admin-checked SQL functions of sql/admin/, sql/cron/ and sql/queue/.
"""
