"""Built-in mock versions of the provider's five MCP tools, for development
(``USE_REAL_MCP=false``, the default) and as the fallback of the read-only ones.

The data is plausible and deterministic: the same arguments always give the same
answer (ids and confirmation numbers are derived from the arguments), so a flow
developed against the mocks can be tested. Arguments are checked as the real tools
would; a missing one raises ``MockToolError`` (a tool error, not retried).
"""

from __future__ import annotations

import hashlib
import json
import re

PROVIDERS = [
    {"id": "skiclubpro:blackhawk-ski-club", "provider": "skiclubpro", "org_ref": "blackhawk-ski-club",
     "name": "Blackhawk Ski Club", "location": "Middleton, WI"},
    {"id": "skiclubpro:nordic-valley", "provider": "skiclubpro", "org_ref": "nordic-valley",
     "name": "Nordic Valley Ski Club", "location": "Eden, UT"},
    {"id": "skiclubpro:lakeside-skating", "provider": "skiclubpro", "org_ref": "lakeside-skating",
     "name": "Lakeside Skating Club", "location": "Madison, WI"},
]

PROGRAMS = {
    ("blackhawk-ski-club", "lessons"): [
        {"id": "bh-l-1", "title": "Nordic Kids Wednesday", "schedule": "Wed 17:00", "price_cents": 12000},
        {"id": "bh-l-2", "title": "Adult Skate Clinic", "schedule": "Sat 09:00", "price_cents": 9000},
        {"id": "bh-l-3", "title": "Telemark Basics", "schedule": "Sun 10:00", "price_cents": 8000},
    ],
    ("blackhawk-ski-club", "teams"): [
        {"id": "bh-t-1", "title": "Junior Race Team", "schedule": "Tue/Thu 16:30", "price_cents": 45000},
        {"id": "bh-t-2", "title": "Masters Team", "schedule": "Mon 18:00", "price_cents": 30000},
    ],
}


class MockToolError(Exception):
    """The mock refused the arguments (the way the real tool answers with an error)."""


def _digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _text(args: dict, name: str, required: bool = True) -> str | None:
    value = args.get(name)
    if value is None and not required:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise MockToolError(f"{name} is required")
    return value


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "provider"


def search_providers(args: dict) -> dict:
    query = _text(args, "query")
    location = _text(args, "location", required=False)
    words = [w for w in re.split(r"\W+", query.lower()) if w and w not in ("club", "the", "ski")]
    found = [p for p in PROVIDERS if all(w in (p["name"] + " " + p["org_ref"]).lower() for w in words)] if words else []
    if location:
        found = [p for p in found if location.lower() in p["location"].lower()] or found
    if not found:  # something plausible for any query
        slug = _slug(query)
        found = [{"id": f"skiclubpro:{slug}", "provider": "skiclubpro", "org_ref": slug, "name": query.strip()[:100],
                  "location": location or "Unknown"}]
    return {"query": query, "providers": found}


def get_programs(args: dict) -> dict:
    org = _text(args, "org_ref")
    category = _text(args, "category", required=False) or "all"
    if (org, category) in PROGRAMS:
        programs = PROGRAMS[(org, category)]
    elif category == "all" and any(o == org for o, _ in PROGRAMS):
        programs = [p for (o, _), ps in sorted(PROGRAMS.items()) if o == org for p in ps]
    else:
        d = _digest(org, category)
        programs = [{"id": f"{org}-{category}-{n}", "title": f"{category.title()} program {n}",
                     "schedule": ("Mon", "Wed", "Sat")[n - 1] + " 10:00",
                     "price_cents": 5000 + int(d[n * 2:n * 2 + 2], 16) * 100} for n in (1, 2, 3)]
    return {"org_ref": org, "category": category, "programs": programs}


def check_prerequisites(args: dict) -> dict:
    org = _text(args, "org_ref")
    program = _text(args, "program_id", required=False)
    checks = [{"name": "membership", "status": "ok", "detail": f"active member of {org}"},
              {"name": "waiver", "status": "ok", "detail": "season waiver signed"}]
    if program and int(_digest(org, program)[0], 16) < 4:  # a quarter of the programs need a medical form
        checks.append({"name": "medical_form", "status": "missing", "detail": "upload a medical form"})
    return {"org_ref": org, "program_id": program, "ready": all(c["status"] == "ok" for c in checks), "checks": checks}


def discover_required_fields(args: dict) -> dict:
    org = _text(args, "org_ref")
    program = _text(args, "program_id")
    fields = [
        {"name": "participant_name", "label": "Participant name", "type": "text", "required": True},
        {"name": "date_of_birth", "label": "Date of birth", "type": "date", "required": True},
        {"name": "emergency_contact", "label": "Emergency contact phone", "type": "tel", "required": True},
    ]
    if int(_digest(org, program)[1], 16) % 2:
        fields.append({"name": "tshirt_size", "label": "T-shirt size", "type": "select", "required": False,
                       "options": ["XS", "S", "M", "L", "XL"]})
    return {"org_ref": org, "program_id": program, "fields": fields}


def submit_registration(args: dict) -> dict:
    org = _text(args, "org_ref")
    program = _text(args, "program_id")
    answers = args.get("answers") or {}
    if not isinstance(answers, dict):
        raise MockToolError("answers must be an object")
    return {"status": "confirmed", "org_ref": org, "program_id": program,
            "confirmation_id": "MOCK-" + _digest(org, program, answers)[:10].upper()}


TOOLS = {
    "scp.search_providers": search_providers,
    "scp.get_programs": get_programs,
    "scp.check_prerequisites": check_prerequisites,
    "scp.discover_required_fields": discover_required_fields,
    "scp.submit_registration": submit_registration,
}


def call(tool: str, arguments: dict) -> dict:
    """The mock answer of ``tool`` (an MCP name) for ``arguments``."""
    if tool not in TOOLS:
        raise MockToolError(f"no mock for tool {tool}")
    if not isinstance(arguments, dict):
        raise MockToolError("arguments must be an object")
    return TOOLS[tool](arguments)
