"""Pages for status updates: my workstreams, posting and revising, sign-off, the timeline.

Who may do what is decided by ``core.policy`` and the services; these views only fetch
(each page a fixed number of queries), call a service, and show the outcome.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from core import policy
from core.choices import Role
from core.errors import DomainError
from core.text import word_diff
from core.views import query_for_deal, refusals, show_refusal
from tracker import selectors, services, signals
from tracker.choices import Rag, ReviewDecision, WorkstreamStatus
from tracker.forms.updates import CARRIED_OVER, StatusUpdateForm, UpdateReviewForm
from tracker.models import StatusUpdate, Workstream
from tracker.periods import Period, deal_period, is_late, period_refusal

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser

# How many of the latest reported periods the workstream page's timeline and chart show.
RECENT_PERIODS = 12
UPDATES_PER_PAGE = 25


# --- Reads ------------------------------------------------------------------------------------
# Small queries this module's pages share. Each is one query, whatever the data.


def _multi_deal(user: AnyUser) -> bool:
    """Whether links must say which deal they mean (workstream slugs are unique per deal)."""
    deal_ids = policy.deal_ids_visible_to(user)
    return deal_ids is None or len(deal_ids) > 1


def _workstream_deal_query(user: AnyUser, workstream: Workstream, sep: str = "?") -> str:
    """The workstream's deal on links, for someone in several deals."""
    return query_for_deal(workstream.deal.slug if _multi_deal(user) else None, sep)


def _workstream_url(user: AnyUser, workstream: Workstream) -> str:
    return reverse("workstream-detail", args=[workstream.slug]) + _workstream_deal_query(
        user, workstream
    )


def _workstream(request: HttpRequest, slug: str) -> Workstream:
    """The workstream a page is about, if the person may see it (else 404)."""
    return selectors.workstream_for_page(request.user, slug, request.GET.get("deal"))


def _visible_updates(user: AnyUser, workstream: Workstream | int) -> QuerySet[StatusUpdate]:
    """A workstream's updates the person may see, newest first, marked signed off or not."""
    return (
        selectors.reporting.updates_with_sign_off(user)
        .filter(workstream=workstream)
        .order_by("-period_start", "-version")
    )


def _update(request: HttpRequest, slug: str, pk: int) -> StatusUpdate:
    """One update the person may see, of the workstream in the address (else 404)."""
    update = (
        selectors.status_updates_for(request.user)
        .filter(pk=pk, workstream__slug=slug)
        .select_related("workstream__deal", "workstream__theme", "author")
        .first()
    )
    if update is None:
        raise Http404("No such status update.")
    return update


def _before(user: AnyUser, update: StatusUpdate) -> StatusUpdate | None:
    """The update the person may see that came just before this one."""
    return (
        _visible_updates(user, update.workstream_id)
        .filter(
            Q(period_start__lt=update.period_start)
            | Q(period_start=update.period_start, version__lt=update.version)
        )
        .first()
    )


def _newest_in_period(user: AnyUser, update: StatusUpdate) -> StatusUpdate | None:
    return (
        _visible_updates(user, update.workstream_id)
        .filter(period_start=update.period_start)
        .first()
    )


def _latest_per_workstream(user: AnyUser, ids: list[int]) -> dict[int, StatusUpdate]:
    """The newest update the person may see of each workstream, in one query."""
    newest = (
        selectors.status_updates_for(user)
        .filter(workstream=OuterRef("workstream"))
        .order_by("-period_start", "-version")
        .values("pk")[:1]
    )
    updates = selectors.reporting.updates_with_sign_off(user).filter(
        workstream__in=ids, pk=Subquery(newest)
    )
    return {u.workstream_id: u for u in updates}


def _period_label(workstream: Workstream, update: StatusUpdate) -> str:
    return deal_period(workstream.deal, update.period_start).label()


# --- My workstreams ---------------------------------------------------------------------------


def my_workstreams(request: HttpRequest) -> HttpResponse:
    user = request.user
    led = selectors.reporting.my_workstreams(user, Role.LEAD)
    sponsored = selectors.reporting.my_workstreams(user, Role.SPONSOR)
    latest = _latest_per_workstream(user, [ws.pk for ws in [*led, *sponsored]])
    missed = selectors.reporting.missed_periods(led)
    for workstream in [*led, *sponsored]:
        workstream.latest_update = latest.get(workstream.pk)  # type: ignore[attr-defined]
        workstream.deal_query = _workstream_deal_query(user, workstream)  # type: ignore[attr-defined]
        workstream.deal_amp = _workstream_deal_query(user, workstream, "&")  # type: ignore[attr-defined]
        workstream.missed = missed.get(workstream.pk, [])  # type: ignore[attr-defined]
    awaiting_sign_off = len(
        [
            ws
            for ws in sponsored
            if (update := latest.get(ws.pk)) is not None and not update.signed_off  # type: ignore[attr-defined]  # annotated by the query
        ]
    )
    return render(
        request,
        "tracker/updates/my_workstreams.html",
        {
            "led": led,
            "sponsored": sponsored,
            "awaiting_sign_off": awaiting_sign_off,
            "is_admin": policy.is_admin_anywhere(user),
        },
    )


# --- Posting and revising ---------------------------------------------------------------------


def update_new(request: HttpRequest, slug: str) -> HttpResponse:
    """The update form: this period's, or with ``?period=`` (its first day) a missed past
    period's, which is late. A new period's answers start from the last update; when they did,
    the lead checks what they changed since it and confirms the rest before it is posted."""
    workstream = _workstream(request, slug)
    if not policy.can_write_workstream(request.user, workstream):
        raise PermissionDenied("Only the workstream's lead or an administrator can post updates.")
    today = timezone.localdate()
    period = _chosen_period(request, workstream, today)
    past = period.start < selectors.reporting.current_period(workstream, today).start
    current = _current_version(request.user, workstream, period.start)
    if past and current is not None and request.method != "POST":
        # A past period is reported once. (A post is left to the service, which refuses it as
        # a stale edit and so keeps what the person typed on the page.)
        messages.info(request, f"The period {period.label()} already has an update")
        return HttpResponseRedirect(reverse("update-detail", args=[workstream.slug, current.pk]))
    previous = None if current else _previous_update(request.user, workstream, period.start)
    changes: list[Any] = []
    # The visit's further steps (delivery reports) are for the current period only.
    steps = [] if past else _visit_steps(request.user, workstream, period)
    if request.method == "POST":
        form = StatusUpdateForm(request.POST)
        if form.is_valid() and "edit" not in request.POST:
            if _to_check(form, previous, request):
                return _render_check(request, workstream, period, form, previous, today)
            try:
                update = services.status_update_submit(
                    workstream=workstream,
                    acting_user=policy.signed_in(request.user),
                    period_start=period.start,
                    **form.submission(),
                )
            except services.StaleEdit as stale:
                form, changes = _after_stale_edit(request, workstream, period.start, stale)
                current = _current_version(request.user, workstream, period.start)
            except (ValidationError, DomainError) as error:
                show_refusal(form, error)
            else:
                return _after_posting(request, workstream, update, steps)
    else:
        form = StatusUpdateForm(initial=_initial(current, previous))
    return render(
        request,
        "tracker/updates/update_form.html",
        {
            "workstream": workstream,
            "form": form,
            "period": period,
            "past": past,
            "late": current.late if current else is_late(period, today),
            "current": current,
            "previous": previous,
            "previous_label": _period_label(workstream, previous) if previous else "",
            # The DSG's answer to the ask the form carries over (or the revised version's), so
            # the lead can change the ask or leave it answered.
            "ask_answer": selectors.asks.answer_to(request.user, current or previous),
            "changes": changes,
            "steps": steps,
            "is_active": workstream.status == WorkstreamStatus.ACTIVE,
            "workstream_url": _workstream_url(request.user, workstream),
        },
    )


def _chosen_period(request: HttpRequest, workstream: Workstream, today: dt.date) -> Period:
    """The period ``?period=`` names (its first day), or the current one. An address that names
    no period a lead may report now is not found."""
    chosen = request.GET.get("period")
    if not chosen:
        return selectors.reporting.current_period(workstream, today)
    try:
        start = dt.date.fromisoformat(chosen)
    except ValueError:
        raise Http404("No such reporting period.") from None
    if refusal := period_refusal(workstream.deal, start, today):
        raise Http404(refusal)
    return deal_period(workstream.deal, start)


def _after_posting(
    request: HttpRequest, workstream: Workstream, update: StatusUpdate, steps: list[Any]
) -> HttpResponse:
    verb = "revised" if update.version > 1 else "posted"
    late = "Late update" if update.late else "Update"
    messages.success(request, f"{late} {verb} for the period {_period_label(workstream, update)}")
    # The visit goes on to what else the period asks of the lead, if anything.
    next_url = steps[0].url if steps else _workstream_url(request.user, workstream)
    return HttpResponseRedirect(next_url)


def _to_check(form: StatusUpdateForm, previous: StatusUpdate | None, request: HttpRequest) -> bool:
    """Whether the lead still has to check answers that started from the last update."""
    started_from = form.cleaned_data.get("started_from")
    return (
        previous is not None
        and started_from == previous.pk
        and request.POST.get("confirmed") != "1"
    )


def _render_check(
    request: HttpRequest,
    workstream: Workstream,
    period: Period,
    form: StatusUpdateForm,
    previous: StatusUpdate | None,
    today: dt.date,
) -> HttpResponse:
    """What the lead changed since the last update, and what they left as it was: posting
    from this page confirms the unchanged answers in one step."""
    assert previous is not None
    fields = {k: v for k, v in form.submission().items() if k in services.UPDATE_FIELDS}
    rows = compare(previous, StatusUpdate(**fields))
    fresh = {"progress", "direction"}  # given afresh each period, never carried over
    return render(
        request,
        "tracker/updates/update_check.html",
        {
            "workstream": workstream,
            "form": form,
            "period": period,
            "late": is_late(period, today),
            "previous": previous,
            "previous_label": _period_label(workstream, previous),
            "changed": [r for r in rows if r.changed and r.field not in fresh],
            "unchanged": [r for r in rows if not r.changed and r.field not in fresh],
            "fresh": [r for r in rows if r.field in fresh],
            "workstream_url": _workstream_url(request.user, workstream),
        },
    )


def _visit_steps(user: AnyUser, workstream: Workstream, period: Any) -> list[signals.VisitStep]:
    """What the apps above add to the lead's visit after the update (delivery reports)."""
    return signals.collected(
        signals.update_visit_steps.send(
            sender=Workstream, user=user, workstream=workstream, period=period
        )
    )


def _current_version(
    user: AnyUser, workstream: Workstream, period_start: Any
) -> StatusUpdate | None:
    return _visible_updates(user, workstream).filter(period_start=period_start).first()


def _previous_update(
    user: AnyUser, workstream: Workstream, period_start: dt.date
) -> StatusUpdate | None:
    """The newest update the person may see of a period before this one: where a new period's
    answers start from."""
    return _visible_updates(user, workstream).filter(period_start__lt=period_start).first()


def _initial(current: StatusUpdate | None, previous: StatusUpdate | None) -> dict[str, Any]:
    """A revision starts from the period's current version; a new period's update from the
    last update, what of it carries over."""
    if current is not None:
        return {name: getattr(current, name) for name in services.UPDATE_FIELDS} | {
            "based_on_version": current.version
        }
    if previous is not None:
        return {name: getattr(previous, name) for name in CARRIED_OVER} | {
            "based_on_version": 0,
            "started_from": previous.pk,
        }
    return {"based_on_version": 0}


def _after_stale_edit(
    request: HttpRequest, workstream: Workstream, period_start: Any, stale: services.StaleEdit
) -> tuple[StatusUpdateForm, list[Any]]:
    """Keep what the person typed, now based on the version that beat them to it, so that
    submitting again is a deliberate choice made after seeing what changed."""
    newest = _current_version(request.user, workstream, period_start)
    data = request.POST.copy()
    data["based_on_version"] = str(newest.version if newest else 0)
    form = StatusUpdateForm(data)
    form.is_valid()
    form.add_error(None, str(stale))
    labels = {name: str(field.label) for name, field in form.fields.items()}
    return form, [replace(c, label=labels.get(c.field, c.label)) for c in stale.changes]


# --- One update, its sign-off, all updates ----------------------------------------------------


def update_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _render_detail(request, _update(request, slug, pk))


@require_POST
def update_review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    update = _update(request, slug, pk)
    if not policy.can_review_updates(request.user, update.workstream):
        raise PermissionDenied("Only the workstream's SLT sponsor can sign off its updates.")
    form = UpdateReviewForm(request.POST)
    if form.is_valid():
        with refusals(form):
            review = services.status_update_review(
                status_update=update,
                acting_user=policy.signed_in(request.user),
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
            )
        if not form.errors:
            if review.decision == ReviewDecision.SIGNED_OFF:
                messages.success(request, f"You signed off version {update.version}")
            else:
                messages.success(request, "Your comment has been added")
            return HttpResponseRedirect(
                reverse("update-detail", args=[update.workstream.slug, update.pk])
            )
    return _render_detail(request, update, review_form=form)


def _render_detail(
    request: HttpRequest, update: StatusUpdate, review_form: UpdateReviewForm | None = None
) -> HttpResponse:
    user = request.user
    workstream = update.workstream
    reviews = list(update.reviews.select_related("reviewer").order_by("created_at"))
    signed_off = any(r.decision == ReviewDecision.SIGNED_OFF for r in reviews)
    newest = _newest_in_period(user, update)
    is_newest = newest is not None and newest.pk == update.pk
    can_review = is_newest and policy.can_review_updates(user, workstream)
    if review_form is None:
        review_form = UpdateReviewForm(signed_off=signed_off) if can_review else None
    elif signed_off:
        review_form.hide_decision()
    return render(
        request,
        "tracker/updates/update_detail.html",
        {
            "update": update,
            "workstream": workstream,
            "period_label": _period_label(workstream, update),
            "reviews": reviews,
            "signed_off": signed_off,
            "newest": newest,
            "is_newest": is_newest,
            "previous": _before(user, update),
            "history": selectors.history.history_of(update, request.user),
            "can_review": can_review,
            # A refused review is shown in the error summary even when the form is not offered
            # any more (the version was revised meanwhile).
            "form": review_form,
            "workstream_url": _workstream_url(user, workstream),
            "deal_query": _workstream_deal_query(user, workstream),
        },
    )


def update_list(request: HttpRequest, slug: str) -> HttpResponse:
    workstream = _workstream(request, slug)
    page = Paginator(_visible_updates(request.user, workstream), UPDATES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "tracker/updates/update_list.html",
        {
            "workstream": workstream,
            "page": page,
            "workstream_url": _workstream_url(request.user, workstream),
            "page_query": _workstream_deal_query(request.user, workstream, "&"),
        },
    )


# --- Compare ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    label: str
    kind: str  # "rag", "classification", "choice" or "text"
    before: Any
    after: Any
    changed: bool
    diff: SafeString | None = None
    field: str = ""


def compare(older: StatusUpdate, newer: StatusUpdate) -> list[Comparison]:
    rows = [
        Comparison("RAG rating", "rag", older.rag, newer.rag, older.rag != newer.rag, field="rag"),
        Comparison(
            "Direction of travel",
            "choice",
            older.get_direction_display(),
            newer.get_direction_display(),
            older.direction != newer.direction,
            field="direction",
        ),
    ]
    for name in services.UPDATE_TEXT_FIELDS:
        before, after = getattr(older, name), getattr(newer, name)
        label = str(StatusUpdateForm.base_fields[name].label)
        rows.append(
            Comparison(
                label, "text", before, after, before != after, word_diff(before, after), name
            )
        )
    rows.append(
        Comparison(
            "Classification",
            "classification",
            older.classification,
            newer.classification,
            older.classification != newer.classification,
            field="classification",
        )
    )
    return rows


def _pk(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise Http404("No such status update.")
    return int(value)


def update_compare(request: HttpRequest, slug: str) -> HttpResponse:
    user = request.user
    to_pk, from_pk = _pk(request.GET.get("to")), _pk(request.GET.get("from"))
    newer: StatusUpdate | None
    if to_pk is not None:
        newer = _update(request, slug, to_pk)
    else:
        workstream = _workstream(request, slug)
        newer = _visible_updates(user, workstream).select_related("workstream__deal").first()
    if newer is None:
        raise Http404("This workstream has no updates to compare.")
    workstream = newer.workstream
    older = _update(request, slug, from_pk) if from_pk is not None else _before(user, newer)
    if older is not None and older.workstream_id != newer.workstream_id:
        raise Http404("These updates are of different workstreams.")
    return render(
        request,
        "tracker/updates/update_compare.html",
        {
            "workstream": workstream,
            "older": older,
            "newer": newer,
            "older_period": _period_label(workstream, older) if older else "",
            "newer_period": _period_label(workstream, newer),
            "rows": compare(older, newer) if older else [],
            "choices": list(
                selectors.status_updates_for(user)
                .filter(workstream=workstream)
                .order_by("-period_start", "-version")
                .values("pk", "period_start", "period_end", "version")
            ),
            "workstream_url": _workstream_url(user, workstream),
        },
    )


# --- The workstream page's section ------------------------------------------------------------

RAG_LEVELS = {Rag.GREEN: 0, Rag.AMBER: 1, Rag.RED: 2}  # rows of the chart, top to bottom
CHART = {"left": 64, "top": 8, "row": 40, "column": 46, "block_w": 34, "block_h": 30}


@dataclass(frozen=True)
class ChartPoint:
    update: StatusUpdate
    x: int
    y: int
    text_x: int
    text_y: int
    letter: str
    year: str  # shown under the date when the year changes


def rag_chart(updates: list[StatusUpdate]) -> dict[str, Any]:
    """The geometry of the RAG-over-time chart: one block per period, oldest on the left,
    higher for green and lower for red, each with its RAG letter."""
    c = CHART
    points = []
    previous_year = None
    for i, update in enumerate(updates):
        x = c["left"] + i * c["column"] + (c["column"] - c["block_w"]) // 2
        y = c["top"] + RAG_LEVELS[Rag(update.rag)] * c["row"] + (c["row"] - c["block_h"]) // 2
        year = update.period_start.strftime("%Y")
        points.append(
            ChartPoint(
                update=update,
                x=x,
                y=y,
                text_x=x + c["block_w"] // 2,
                text_y=y + c["block_h"] // 2 + 6,
                letter=Rag(update.rag).label[0],
                year=year if year != previous_year else "",
            )
        )
        previous_year = year
    counts = {rag: sum(1 for u in updates if u.rag == rag) for rag in Rag}
    late = sum(1 for u in updates if u.late)
    plot_bottom = c["top"] + 3 * c["row"]
    return {
        "points": points,
        "width": c["left"] + max(len(updates), 1) * c["column"] + 8,
        "plot_right": c["left"] + max(len(updates), 1) * c["column"],
        "height": plot_bottom + 40,
        "plot_bottom": plot_bottom,
        "date_y": plot_bottom + 16,
        "year_y": plot_bottom + 32,
        "rows": [
            {"label": rag.label, "y": c["top"] + level * c["row"] + c["row"] // 2 + 5}
            for rag, level in RAG_LEVELS.items()
        ],
        "lines": [c["top"] + level * c["row"] + c["row"] // 2 for level in range(3)],
        "counts": counts,
        "late": late,
        "first": updates[0] if updates else None,
        "last": updates[-1] if updates else None,
        "left": c["left"],
        "axis_x": c["left"] - 8,
        "block_w": c["block_w"],
        "block_h": c["block_h"],
    }


def _recent_updates(user: AnyUser, workstream: Workstream) -> list[StatusUpdate]:
    """Every version the person may see from the last reported periods, newest first, in one
    query: the timeline lists them all and the chart takes each period's newest."""
    recent_periods = (
        selectors.status_updates_for(user)
        .filter(workstream=workstream)
        .order_by("-period_start")
        .values("period_start")
        .distinct()[:RECENT_PERIODS]
    )
    return list(_visible_updates(user, workstream).filter(period_start__in=recent_periods))


def _newest_per_period(updates: list[StatusUpdate]) -> list[StatusUpdate]:
    """Each period's newest version, oldest period first, from updates sorted newest first."""
    seen: set[Any] = set()
    newest = []
    for update in updates:
        if update.period_start not in seen:
            seen.add(update.period_start)
            newest.append(update)
    return newest[::-1]


def _answer_among(answers: list[Any], update: StatusUpdate | None) -> Any:
    """The answer to the update's ask among the workstream's answers: one given to its words."""
    if update is None or not update.asks_of_dsg.strip():
        return None
    return next((a for a in answers if a.asked == update.asks_of_dsg), None)


def workstream_context(request: HttpRequest, workstream: Workstream) -> dict[str, Any]:
    """What this module adds to the workstream page (its template is
    tracker/updates/_workstream_section.html)."""
    user = request.user
    recent = _recent_updates(user, workstream)
    chart_updates = _newest_per_period(recent)
    answers = selectors.asks.workstream_answers(user, workstream)
    current = recent[0] if recent else None
    return {
        "current_update": current,
        "ask_answers": answers,
        "ask_answer": _answer_among(answers, current),
        "update_timeline": recent,
        "update_timeline_more": len(chart_updates) == RECENT_PERIODS,
        "update_chart": rag_chart(chart_updates) if chart_updates else None,
        "update_reporting": selectors.reporting.reporting_state(workstream),
        "update_missed": selectors.reporting.missed_periods([workstream]).get(workstream.pk, []),
        "update_reporting_active": workstream.status == WorkstreamStatus.ACTIVE,
        "can_post_update": policy.can_write_workstream(user, workstream)
        and workstream.status == WorkstreamStatus.ACTIVE,
        "update_deal_query": _workstream_deal_query(user, workstream),
        "update_deal_amp": _workstream_deal_query(user, workstream, "&"),
        "extra_sections": signals.collected(
            signals.workstream_sections.send(sender=Workstream, user=user, workstream=workstream)
        ),
    }


urlpatterns: list[URLPattern] = [
    path("my-workstreams/", my_workstreams, name="my-workstreams"),
    path("workstreams/<slug:slug>/updates/", update_list, name="update-list"),
    path("workstreams/<slug:slug>/updates/new/", update_new, name="update-new"),
    path("workstreams/<slug:slug>/updates/compare/", update_compare, name="update-compare"),
    path("workstreams/<slug:slug>/updates/<int:pk>/", update_detail, name="update-detail"),
    path("workstreams/<slug:slug>/updates/<int:pk>/review/", update_review, name="update-review"),
]
