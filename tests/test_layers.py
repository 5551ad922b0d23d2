"""Views, the API, the exports and the tasks read through the selectors.

Found by an issue: reads go in the selectors, beside the services, and the pages, the API and the
tasks call them, so that what a person may see is decided in one place and each read keeps its
bounded number of queries. Some views and API modules still built their own queries (a deal's
departments, bodies and milestones; the ids a field accepts; a record looked up by its id).

The walk here reads those modules' source and fails for a model's manager named there
(``Model.objects``, ``_default_manager``), a model handed to ``get_object_or_404``, or a list
asked of ``policy.visible_*``, unless ``ALLOWED`` says where and why.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# The modules that show what the selectors read: the pages, the API, the exports, the calendar
# feed and the tasks.
READERS = (
    "tracker/views/*.py",
    "tracker/api/*.py",
    "tracker/exports.py",
    "tracker/calendar_feed.py",
    "missions/views_figures.py",
    "missions/api.py",
    "delivery/api.py",
    "papers/views.py",
    "papers/api.py",
    "papers/receivers.py",
    "briefings/views_*.py",
    "briefings/api.py",
    "briefings/tasks.py",
)

# (module, where in it, what it names) -> why it may. Nothing else may name a manager.
ALLOWED = {
    ("tracker/api/fields.py", "VisibleRelatedField.__init__", "_default_manager.all"): (
        "the queryset DRF wants when a related field is built (the schema reads its model); what "
        "the field accepts is get_queryset's, a selector's, read for each request"
    ),
    ("tracker/api/proposals.py", "PrincipleChoiceField.get_queryset", "objects.none"): (
        "no proposal in the serializer's context: no principle is accepted, and nothing is read"
    ),
    ("tracker/views/links.py", "LinksForm", "objects.none"): (
        "the form field's default, read by no one: the view gives it the deal's indicators "
        "from a selector"
    ),
}

MANAGERS = {"objects", "_default_manager"}
LOOKUPS = {"get_object_or_404", "get_list_or_404"}


def reads_in(source: str) -> list[tuple[str, str, int]]:
    """(where, what, line) for each manager a module's code names, each model it hands to
    ``get_object_or_404`` and each ``policy.visible_*`` it calls. ``where`` is the class and
    function holding it ("" at the top level)."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def where(node: ast.AST) -> str:
        names = []
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                names.append(node.name)
        return ".".join(reversed(names))

    found = []
    for node in ast.walk(tree):
        what = None
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            parent = parents.get(node)
            if isinstance(parent, ast.Attribute) and parent.value is node:
                what = f"{node.attr}.{parent.attr}"  # the manager's method: objects.filter
            else:
                what = node.attr
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("visible_")
            and isinstance(node.value, ast.Name)
            and node.value.id == "policy"
        ):
            what = f"policy.{node.attr}"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in LOOKUPS
            and node.args
            and isinstance(node.args[0], ast.Name)
        ):
            what = f"{node.func.id}({node.args[0].id})"
        if what is not None:
            found.append((where(node), what, getattr(node, "lineno", 0)))
    return found


def _reader_modules() -> list[Path]:
    modules = []
    for pattern in READERS:
        matched = sorted(ROOT.glob(pattern))
        assert matched, f"{pattern} names no module: keep READERS in step with the code"
        modules += matched
    return modules


def _reads() -> dict[tuple[str, str, str], list[int]]:
    reads: dict[tuple[str, str, str], list[int]] = {}
    for path in _reader_modules():
        name = path.relative_to(ROOT).as_posix()
        for where, what, line in reads_in(path.read_text(encoding="utf-8")):
            reads.setdefault((name, where, what), []).append(line)
    return reads


def test_the_pages_the_api_and_the_tasks_read_through_the_selectors() -> None:
    unexplained = [
        f"{name}:{line} ({where or 'module'}): {what}"
        for (name, where, what), lines in sorted(_reads().items())
        if (name, where, what) not in ALLOWED
        for line in lines
    ]
    assert not unexplained, (
        "Read these through a selector (tracker/selectors/, missions/selectors.py, "
        "briefings/selectors.py, core/selectors.py), or say in ALLOWED why not:\n"
        + "\n".join(unexplained)
    )


def test_every_allowed_read_is_still_there() -> None:
    """An entry whose code has gone is taken out, so the list stays the short list it is."""
    gone = sorted(set(ALLOWED) - set(_reads()))
    assert not gone, f"ALLOWED names reads no longer in the code: {gone}"


def test_the_walk_finds_each_kind_of_read() -> None:
    source = """
class RiskList:
    def get_queryset(self):
        return Risk.objects.filter(status="open")

def risk(request, pk):
    return get_object_or_404(Risk, pk=pk)

def meetings(user):
    return policy.visible_meetings(Meeting._default_manager.all(), user)

ORGANISATIONS = Organisation.objects
"""
    assert sorted(reads_in(source)) == [
        ("", "objects", 12),
        ("RiskList.get_queryset", "objects.filter", 4),
        ("meetings", "_default_manager.all", 10),
        ("meetings", "policy.visible_meetings", 10),
        ("risk", "get_object_or_404(Risk)", 7),
    ]
