"""A deal is data: one YAML file says what a deal is, and ``load_deal FILE`` makes it so.

The file names the deal, its combined authority and area, its reporting cadence, its themes and
workstreams in order, the chain of governance bodies proposals climb, the government
departments it is negotiated with, the principles every proposal answers, its timeline and
(optionally) its own outcomes framework. ``data/deals/`` holds
the deals the sources describe; ``load_reference_data`` loads every file there.

A file is checked whole before anything is written: its shape against ``SCHEMA`` (JSON Schema,
checked by the jsonschema library), then the rules a schema cannot say (names used once, bodies
that point at bodies of the file, a chain that ends, dates in order, no optional last body).

A body is ``optional: true`` when the deal's sources bring work to it "as appropriate": an
administrator may pass a proposal on from it, recorded as not needed rather than skipped. The
last body of the chain, whose endorsement nothing goes further without, never is. Bodies the
sources name together are one body of the file, or two when their members differ; either way
the chain is what the bodies' ``next`` says. Every problem is reported
with its key path, ``themes[1].workstreams[0].name``, and a file with any problem writes
nothing. Loading is idempotent: rows are matched on their natural keys (a deal's slug, a theme's
or workstream's or body's slug within the deal, a department's abbreviation or else its name),
and only changed values are written. What an
administrator owns once a deal runs is set when a row is created and left alone after: the
deal's cadence and first reporting day, a workstream's status, the people in seats, milestones'
status and dependencies.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from django.conf import settings
from django.utils.text import slugify

from core.choices import Cadence, OrganisationKind
from core.models import Deal, Organisation
from missions.choices import AreaLevel
from missions.models import Area, IndicatorFramework
from missions.reference import CREATED, UNCHANGED, UPDATED, Counts, new_counts, tally, upsert

from .choices import BodyKind
from .models import (
    BodyMember,
    GovernanceBody,
    GovernmentDepartment,
    Milestone,
    Principle,
    Theme,
    Workstream,
)

DEALS_DIR = Path(settings.BASE_DIR) / "data" / "deals"

_TEXT = {"type": "string", "minLength": 1}
_DATE = {"type": "string", "format": "date"}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


SCHEMA: dict[str, Any] = _object(
    {
        "name": {**_TEXT, "maxLength": 200},
        "slug": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 60},
        "short_name": {**_TEXT, "maxLength": 40},
        "authority": {**_TEXT, "maxLength": 200},
        "authority_short_name": {**_TEXT, "maxLength": 40},
        "proposition_name": {**_TEXT, "maxLength": 80},
        "core_team_name": {**_TEXT, "maxLength": 80},
        "contact_email": {"type": "string", "format": "email", "maxLength": 254},
        "engagement_expectation": _object(
            {
                "quote": {**_TEXT, "maxLength": 300},
                "source": {**_TEXT, "maxLength": 300},
            },
            ["quote", "source"],
        ),
        "area": _object(
            {
                "code": {"type": "string", "pattern": "^[EKNSW][0-9]{8}$"},
                "name": {**_TEXT, "maxLength": 200},
            },
            ["code", "name"],
        ),
        "cadence": {"enum": Cadence.values},
        "reporting_starts_on": _DATE,
        "source": {"type": "string", "maxLength": 300},
        "description": {"type": "string"},
        "themes": {
            "type": "array",
            "minItems": 1,
            "items": _object(
                {
                    "name": {**_TEXT, "maxLength": 200},
                    "workstreams": {
                        "type": "array",
                        "minItems": 1,
                        "items": _object(
                            {"name": {**_TEXT, "maxLength": 200}, "flag": {"enum": ["*"]}},
                            ["name"],
                        ),
                    },
                },
                ["name", "workstreams"],
            ),
        },
        "bodies": {
            "type": "array",
            "items": _object(
                {
                    "name": {**_TEXT, "maxLength": 200},
                    "short_name": {"type": "string", "maxLength": 20},
                    "kind": {"enum": BodyKind.values},
                    "chain_start": {"type": "boolean"},
                    "optional": {"type": "boolean"},
                    "next": _TEXT,
                    "stands_in_for": _TEXT,
                    "composition": {"type": "string"},
                    "remit": {"type": "string"},
                    "seats": {
                        "type": "array",
                        "items": _object(
                            {
                                "position": {**_TEXT, "maxLength": 200},
                                "count": {"type": "integer", "minimum": 1, "maximum": 100},
                                "chair": {"type": "boolean"},
                                "for_authority": {"type": "boolean"},
                            },
                            ["position"],
                        ),
                    },
                },
                ["name", "kind"],
            ),
        },
        "departments": {
            "type": "array",
            "items": _object(
                {
                    "name": {**_TEXT, "maxLength": 200},
                    "abbreviation": {**_TEXT, "maxLength": 20},
                    "formerly": {**_TEXT, "maxLength": 300},
                },
                ["name"],
            ),
        },
        "principles": {
            "type": "array",
            "items": {
                "oneOf": [
                    _TEXT,
                    _object(
                        {
                            "slug": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
                            "short_name": {**_TEXT, "maxLength": 80},
                            "question": {"type": "string", "maxLength": 200},
                            "text": _TEXT,
                        },
                        ["text"],
                    ),
                ]
            },
        },
        "timeline": {
            "type": "array",
            "items": _object(
                {
                    "name": {**_TEXT, "maxLength": 300},
                    "when": {"type": "string", "maxLength": 60},
                    "starts_on": _DATE,
                    "ends_on": _DATE,
                    "depends_on": {"type": "array", "items": _TEXT},
                },
                ["name", "starts_on", "ends_on"],
            ),
        },
        "outcomes_framework": _object(
            {
                "slug": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
                "name": _TEXT,
                "source": {"type": "string"},
                "description": {"type": "string"},
                "expected_theme_count": {"type": "integer", "minimum": 0},
                "expected_indicator_count": {"type": "integer", "minimum": 0},
            },
            ["slug", "name"],
        ),
    },
    ["name", "slug", "authority", "area", "themes"],
)


class DealFileError(Exception):
    """A deal file that cannot be loaded, with every problem found (``key.path: reason``)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read(path: Path) -> dict[str, Any]:
    """The deal a file describes, checked whole; raises ``DealFileError`` with every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DealFileError([f"{path}: cannot be read ({error})"]) from error
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        raise DealFileError([f"{path}: not YAML ({error})"]) from error
    problems = shape_problems(data)
    if not problems:
        problems = rule_problems(data)
    if problems:
        raise DealFileError(problems)
    return data


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, reading dates as the text they are written as: the schema checks
    each one (a 30 February is then a problem at its key path, not an error of the reader)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rule) for tag, rule in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(the file)"


def shape_problems(data: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        where = list(error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1]
            problems.append(f"{_path([*where, missing])}: is required")
        elif error.validator == "additionalProperties":
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            for key in extra:
                known = ", ".join(error.schema["properties"])
                problems.append(f"{_path([*where, key])}: is not a key here (known: {known})")
        elif error.validator == "enum":
            allowed = ", ".join(map(str, error.validator_value))
            problems.append(f"{_path(where)}: {error.instance!r} is not one of {allowed}")
        elif error.validator == "format":
            problems.append(f"{_path(where)}: {error.instance!r} is not a date (YYYY-MM-DD)")
        else:
            problems.append(f"{_path(where)}: {error.message}")
    return problems


def rule_problems(data: dict[str, Any]) -> list[str]:
    """The rules a schema cannot say, each with its key path."""
    problems: list[str] = []
    problems += _repeats("themes", [slugify(t["name"]) for t in data["themes"]], "name")
    workstreams = [
        (f"themes[{i}].workstreams[{j}].name", slugify(w["name"]))
        for i, theme in enumerate(data["themes"])
        for j, w in enumerate(theme["workstreams"])
    ]
    counted = Counter(slug for _, slug in workstreams)
    problems += [
        f"{where}: another workstream has this name" for where, s in workstreams if counted[s] > 1
    ]
    bodies = data.get("bodies", [])
    problems += _repeats("bodies", [slugify(b["name"]) for b in bodies], "name")
    names = {b["name"] for b in bodies}
    for i, body in enumerate(bodies):
        for key in ("next", "stands_in_for"):
            if body.get(key) and body[key] not in names:
                problems.append(f"bodies[{i}].{key}: there is no body called {body[key]!r}")
            if body.get(key) == body["name"]:
                problems.append(f"bodies[{i}].{key}: a body cannot point at itself")
    problems += [
        f"bodies[{i}].optional: the last body of a chain cannot be optional: nothing goes "
        "further without its endorsement"
        for i, body in enumerate(bodies)
        if body.get("optional") and not body.get("next")
    ]
    if not problems:
        problems += _chain_problems(bodies)
    starts = [i for i, body in enumerate(bodies) if body.get("chain_start")]
    problems += [f"bodies[{i}].chain_start: only one body starts the chain" for i in starts[1:]]
    timeline = data.get("timeline", [])
    problems += _repeats("timeline", [m["name"] for m in timeline], "name")
    titles = {m["name"] for m in timeline}
    for i, item in enumerate(timeline):
        if item["ends_on"] < item["starts_on"]:
            problems.append(f"timeline[{i}].ends_on: is before starts_on")
        for j, needed in enumerate(item.get("depends_on", [])):
            if needed not in titles or needed == item["name"]:
                problems.append(
                    f"timeline[{i}].depends_on[{j}]: {needed!r} is not another item of the timeline"
                )
    principles = [_principle(p) for p in data.get("principles", [])]
    problems += _repeats("principles", [p["slug"] for p in principles], "slug")
    departments = data.get("departments", [])
    problems += _repeats("departments", [d["name"] for d in departments], "name")
    abbreviated = [(i, d["abbreviation"]) for i, d in enumerate(departments) if "abbreviation" in d]
    used = Counter(abbreviation for _, abbreviation in abbreviated)
    problems += [
        f"departments[{i}].abbreviation: another item of departments has this abbreviation"
        for i, abbreviation in abbreviated
        if used[abbreviation] > 1
    ]
    problems += _clashes(data)
    problems += _department_clashes(data["slug"], departments)
    return problems


def _repeats(key: str, values: list[str], field: str) -> list[str]:
    counted = Counter(values)
    return [
        f"{key}[{i}].{field}: another item of {key} has this {field}"
        for i, value in enumerate(values)
        if counted[value] > 1
    ]


def _chain_problems(bodies: list[dict[str, Any]]) -> list[str]:
    following = {b["name"]: b.get("next") for b in bodies}
    for i, body in enumerate(bodies):
        seen = {body["name"]}
        step = following[body["name"]]
        while step:
            if step in seen:
                return [f"bodies[{i}].next: the chain from {body['name']!r} goes round in a circle"]
            seen.add(step)
            step = following.get(step)
    return []


def _clashes(data: dict[str, Any]) -> list[str]:
    """Names another deal already has (the database holds each once)."""
    others = Deal.objects.exclude(slug=data["slug"])
    problems = []
    if others.filter(name=data["name"]).exists():
        problems.append(f"name: another deal is called {data['name']!r}")
    short_name = data.get("short_name") or data["name"][:40]
    if others.filter(short_name=short_name).exists():
        problems.append(f"short_name: another deal is called {short_name!r}")
    framework = data.get("outcomes_framework")
    if (
        framework
        and IndicatorFramework.objects.filter(slug=framework["slug"])
        .exclude(deal__slug=data["slug"])
        .exists()
    ):
        problems.append(f"outcomes_framework.slug: another framework has {framework['slug']!r}")
    return problems


def _department_clashes(slug: str, departments: list[dict[str, Any]]) -> list[str]:
    """Departments of the file that loading would make one with another: one the deal has by
    its name and another by its abbreviation, or two the deal has as one row (the database holds
    each name and abbreviation once per deal)."""
    existing = list(GovernmentDepartment.objects.filter(deal__slug=slug))
    problems = []
    matched: dict[int, int] = {}
    for i, listed in enumerate(departments):
        row = _department_row(existing, listed)
        by_name = next((d for d in existing if d.name == listed["name"]), None)
        if row and by_name and by_name != row:
            problems.append(
                f"departments[{i}]: the deal has {by_name.name!r} and another department, "
                f"{row.name!r}, abbreviated {row.abbreviation!r}: rename one in the admin first"
            )
        elif row and row.pk in matched:
            problems.append(
                f"departments[{i}]: the deal's department {row.name!r} is departments"
                f"[{matched[row.pk]}] too: rename it in the admin first"
            )
        if row:
            matched.setdefault(row.pk, i)
    return problems


def _department_row(
    existing: list[GovernmentDepartment], listed: dict[str, Any]
) -> GovernmentDepartment | None:
    """The deal's department a file's department is: the one with its abbreviation, else the
    one with its name."""
    abbreviation = listed.get("abbreviation")
    by_abbreviation = next(
        (d for d in existing if abbreviation and d.abbreviation == abbreviation), None
    )
    return by_abbreviation or next((d for d in existing if d.name == listed["name"]), None)


def _principle(value: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(value, str):
        value = {"text": value}
    text = value["text"]
    short_name = value.get("short_name") or text.split(".")[0][:80]
    return {
        "slug": value.get("slug") or slugify(short_name)[:50],
        "short_name": short_name,
        "question": value.get("question", ""),
        "text": text,
    }


# --- Loading -----------------------------------------------------------------------------------


def files(directory: Path = DEALS_DIR) -> Iterator[Path]:
    yield from sorted(directory.glob("*.yaml"))


def load(data: dict[str, Any]) -> tuple[Deal, Counts]:
    """Create or bring up to date the deal ``data`` (from ``read``) describes. Call it inside a
    transaction; returns the deal and how many rows of each model were created, updated or left
    as they were."""
    counts = new_counts(
        [
            Organisation,
            Area,
            Deal,
            Theme,
            Workstream,
            GovernanceBody,
            BodyMember,
            Milestone,
            Principle,
            GovernmentDepartment,
            IndicatorFramework,
        ]
    )
    deal = _load_deal(counts, data)
    _load_workstreams(counts, deal, data["themes"])
    _load_bodies(counts, deal, data.get("bodies", []))
    _load_departments(counts, deal, data.get("departments", []))
    _load_milestones(counts, deal, data.get("timeline", []))
    for position, principle in enumerate(map(_principle, data.get("principles", [])), start=1):
        slug = principle.pop("slug")
        upsert(counts, Principle, {"deal": deal, "slug": slug}, {**principle, "position": position})
    if framework := data.get("outcomes_framework"):
        upsert(
            counts,
            IndicatorFramework,
            {"slug": framework["slug"]},
            {
                "name": framework["name"],
                "description": framework.get("description", ""),
                "source": framework.get("source", ""),
                "deal": deal,
                "expected_theme_count": framework.get("expected_theme_count"),
                "expected_indicator_count": framework.get("expected_indicator_count"),
            },
        )
    return deal, counts


def _load_deal(counts: Counts, data: dict[str, Any]) -> Deal:
    organisation = upsert(
        counts,
        Organisation,
        {"name": data["authority"]},
        {"kind": OrganisationKind.COMBINED_AUTHORITY, "is_demo": False},
    )
    area = data["area"]
    existing_area = Area.objects.filter(gss_code=area["code"]).first()
    if existing_area is None:  # an area the reference data already names keeps its name
        upsert(
            counts,
            Area,
            {"gss_code": area["code"]},
            {"name": area["name"], "level": AreaLevel.COMBINED_AUTHORITY},
        )
    else:
        tally(counts, Area, UNCHANGED)
    values: dict[str, Any] = {
        "name": data["name"],
        "short_name": data.get("short_name") or data["name"][:40],
        "combined_authority": organisation,
        "area_code": area["code"],
        "area_name": area["name"],
        "authority_short_name": data.get("authority_short_name", ""),
        "proposition_name": data.get("proposition_name", "Proposition"),
        "core_team_name": data.get("core_team_name", "core team"),
        "contact_email": data.get("contact_email", ""),
        "engagement_expectation": data.get("engagement_expectation", {}).get("quote", ""),
        "engagement_expectation_source": data.get("engagement_expectation", {}).get("source", ""),
        "description": data.get("description", ""),
        "source": data.get("source", ""),
    }
    if not Deal.objects.filter(slug=data["slug"]).exists():
        # The administrators own the reporting calendar once the deal runs.
        values["reporting_cadence"] = data.get("cadence", Cadence.FORTNIGHTLY)
        if starts := data.get("reporting_starts_on"):
            values["reporting_starts_on"] = dt.date.fromisoformat(starts)
    return upsert(counts, Deal, {"slug": data["slug"]}, values)


def _load_workstreams(counts: Counts, deal: Deal, themes: list[dict[str, Any]]) -> None:
    position = 0
    for theme_position, listed in enumerate(themes, start=1):
        theme = upsert(
            counts,
            Theme,
            {"deal": deal, "slug": slugify(listed["name"])},
            {"name": listed["name"], "position": theme_position},
        )
        for workstream in listed["workstreams"]:
            position += 1
            upsert(
                counts,
                Workstream,
                {"deal": deal, "slug": slugify(workstream["name"])},
                {
                    "theme": theme,
                    "name": workstream["name"],
                    "position": position,
                    # "*": some of its work can be taken forward outside the deal itself.
                    "can_proceed_outside_deal": workstream.get("flag") == "*",
                },
            )


def _load_bodies(counts: Counts, deal: Deal, bodies: list[dict[str, Any]]) -> None:
    loaded: dict[str, GovernanceBody] = {}
    # A body the file no longer starts the chain with gives the start up first (a deal has one).
    # It is kept with its decisions and meetings, and what awaits it still goes on to its next.
    start = [slugify(b["name"]) for b in bodies if b.get("chain_start")]
    GovernanceBody.objects.filter(deal=deal, is_chain_start=True).exclude(slug__in=start).update(
        is_chain_start=False
    )
    pending = list(enumerate(bodies, start=1))
    while pending:
        # A body is loaded after the bodies it points to (the file's chain ends: rule_problems).
        ready = [
            (position, data)
            for position, data in pending
            if all(
                data.get(ref) in loaded or not data.get(ref) for ref in ("next", "stands_in_for")
            )
        ]
        for position, data in ready:
            pending.remove((position, data))
            body = upsert(
                counts,
                GovernanceBody,
                {"deal": deal, "slug": slugify(data["name"])},
                {
                    "name": data["name"],
                    "short_name": data.get("short_name", ""),
                    "kind": data["kind"],
                    "composition": data.get("composition", ""),
                    "remit": data.get("remit", ""),
                    "next_body": loaded[data["next"]] if data.get("next") else None,
                    "is_chain_start": data.get("chain_start", False),
                    "is_optional": data.get("optional", False),
                    "stands_in_for": loaded.get(data.get("stands_in_for", "")),
                    "position": position,
                },
            )
            loaded[data["name"]] = body
            _load_seats(counts, body, data.get("seats", []))


def _load_seats(counts: Counts, body: GovernanceBody, seats: list[dict[str, Any]]) -> None:
    """Make sure ``body`` has the seats the file describes, keyed by (body, position, ordinal).

    Seats with the position, oldest first, count towards the number wanted; only the missing
    ones are created. A vacant seat is kept as the file describes it; a seat an administrator
    has put someone in is theirs and left alone. Nothing is ever deleted, so seats an
    administrator adds survive every load.
    """
    combined_authority = body.deal.combined_authority
    for seat_data in seats:
        position, number = seat_data["position"], seat_data.get("count", 1)
        is_chair = seat_data.get("chair", False)
        organisation = combined_authority if seat_data.get("for_authority") else None
        existing = list(body.members.filter(position=position).order_by("pk")[:number])
        for seat in existing:
            if seat.user_id or seat.name:
                tally(counts, BodyMember, UNCHANGED)
                continue
            wanted = {"is_chair": is_chair, "organisation_id": getattr(organisation, "pk", None)}
            changed = [f for f, v in wanted.items() if getattr(seat, f) != v]
            for field in changed:
                setattr(seat, field, wanted[field])
            if changed:
                seat.save(update_fields=changed)
            tally(counts, BodyMember, UPDATED if changed else UNCHANGED)
        for _ in range(number - len(existing)):
            BodyMember.objects.create(
                body=body, position=position, is_chair=is_chair, organisation=organisation
            )
            tally(counts, BodyMember, CREATED)


def _load_departments(counts: Counts, deal: Deal, departments: list[dict[str, Any]]) -> None:
    """Each department is matched on its abbreviation, else its name, so that a department
    government renames keeps its talks and provisions when the file gives its new name. A row
    the demo made for the same department becomes reference data; departments the file no
    longer lists are kept, with everything that names them."""
    existing = list(GovernmentDepartment.objects.filter(deal=deal))
    for listed in departments:
        row = _department_row(existing, listed)
        values = {
            "deal": deal,
            "name": listed["name"],
            "abbreviation": listed.get("abbreviation", ""),
            "formerly": listed.get("formerly", ""),
            "is_demo": False,
        }
        upsert(counts, GovernmentDepartment, {"pk": row.pk if row else None}, values)


def _load_milestones(counts: Counts, deal: Deal, timeline: list[dict[str, Any]]) -> None:
    new = not Milestone.objects.filter(deal=deal).exists()
    for position, item in enumerate(timeline, start=1):
        upsert(
            counts,
            Milestone,
            {"deal": deal, "title": item["name"]},
            {
                "when_label": item.get("when", ""),
                "starts_on": dt.date.fromisoformat(item["starts_on"]),
                "ends_on": dt.date.fromisoformat(item["ends_on"]),
                "position": position,
            },
        )
    if new:  # administrators own the dependencies once the milestones exist
        by_title = {m.title: m for m in Milestone.objects.filter(deal=deal)}
        for item in timeline:
            for needed in item.get("depends_on", []):
                by_title[item["name"]].depends_on.add(by_title[needed])
