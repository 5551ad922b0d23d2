"""Pages for what a meeting answers and agrees: recording the DSG's answer to an ask on its
agenda, recording a meeting's actions and closing them, and the deal's action log.

Thin, as the other views: reads from ``selectors.asks``, writes through ``services``, and who
may do what from ``core.policy`` (administrators record; everyone in the deal reads what their
role may see).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from core import policy
from core.views import deal_query, posted, refusals
from tracker import selectors, services
from tracker.choices import ActionStatus
from tracker.forms import asks as forms
from tracker.models import Action, Meeting
from tracker.selectors import asks as ask_selectors


def _require_admin(request: HttpRequest, deal_id: int) -> None:
    if not policy.can_run_governance(request.user, deal_id):
        raise PermissionDenied("Only an administrator can do this.")


def _page(request: HttpRequest, template: str, **context: Any) -> HttpResponse:
    return render(
        request, f"tracker/governance/{template}", {"deal_query": deal_query(request), **context}
    )


def _back_to(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    return redirect(reverse("meeting-detail", args=[meeting.pk]) + deal_query(request))


def ask_answer(request: HttpRequest, pk: int, update_pk: int) -> HttpResponse:
    meeting = selectors.governance.meeting_for_page(request.user, pk)
    deal = meeting.body.deal
    line = next(
        (
            line
            for line in ask_selectors.meeting_asks(request.user, meeting)
            if line.update is not None and line.update.pk == update_pk
        ),
        None,
    )
    if line is None or line.update is None:
        raise Http404("No such ask on this meeting's agenda.")
    _require_admin(request, deal.pk)
    form = forms.AskAnswerForm(posted(request))
    if line.answer is None and form.is_bound and form.is_valid():
        with refusals(form, "response"):
            services.ask_answer(
                status_update=line.update,
                meeting=meeting,
                agenda_item=line.item,
                acting_user=policy.signed_in(request.user),
                **form.values(),
            )
        if not form.errors:
            messages.success(request, f"The DSG's answer to {line.update.workstream} recorded")
            return _back_to(request, meeting)
    return _page(request, "ask_answer_form.html", deal=deal, meeting=meeting, line=line, form=form)


def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.governance.meeting_for_page(request.user, pk)
    deal = meeting.body.deal
    _require_admin(request, deal.pk)
    agenda = selectors.governance.agenda_for(request.user, meeting)
    form = forms.ActionForm(
        posted(request),
        owners=ask_selectors.action_owner_choices(deal),
        items=[(item.pk, f"{n}. {item.title}") for n, item in enumerate(agenda, start=1)],
        initial={"agenda_item": request.GET.get("item")},
    )
    if form.is_bound and form.is_valid():
        item_pk = form.cleaned_data["agenda_item"]
        item = next((i for i in agenda if i.pk == item_pk), None)
        with refusals(form):
            services.action_create(
                meeting=meeting,
                agenda_item=item,
                acting_user=policy.signed_in(request.user),
                **form.values(),
            )
        if not form.errors:
            messages.success(request, "Action recorded")
            return _back_to(request, meeting)
    return _page(request, "action_form.html", deal=deal, meeting=meeting, form=form)


def _action(request: HttpRequest, pk: int) -> Action:
    action = ask_selectors.actions_for(request.user).filter(pk=pk).first()
    if action is None:
        raise Http404("No such action.")
    return action


def action_close(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    deal = action.meeting.body.deal
    _require_admin(request, deal.pk)
    form = forms.ActionCloseForm(posted(request))
    if form.is_bound and form.is_valid():
        with refusals(form, "status"):
            services.action_close(
                action=action, acting_user=policy.signed_in(request.user), **form.values()
            )
        if not form.errors:
            messages.success(request, "Action closed")
            return _back_to(request, action.meeting)
    return _page(request, "action_close_form.html", deal=deal, action=action, form=form)


def action_log(request: HttpRequest) -> HttpResponse:
    deal = selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        raise Http404("You do not have a role in a deal yet.")
    status = request.GET.get("status", ActionStatus.OPEN)
    if status not in ask_selectors.ACTION_STATUS_FILTERS:
        status = ActionStatus.OPEN
    filters = ask_selectors.ActionFilters(
        status=status, body=request.GET.get("body", ""), owner=request.GET.get("owner", "")
    )
    actions = ask_selectors.action_log(request.user, deal, filters)
    bodies = list(
        selectors.governance.bodies_for(request.user).filter(deal=deal).order_by("position")
    )
    query = QueryDict(mutable=True)
    if request.GET.get("deal"):
        query["deal"] = request.GET["deal"]
    return _page(
        request,
        "action_log.html",
        deal=deal,
        actions=actions,
        filters=filters,
        bodies=bodies,
        owners=ask_selectors.action_owner_choices(deal),
        statuses=[("all", "Any status"), *ActionStatus.choices],
        today=timezone.localdate(),
        is_admin=policy.can_run_governance(request.user, deal),
        deal_field=request.GET.get("deal", ""),
    )


urlpatterns: list[URLPattern] = [
    path("actions/", action_log, name="action-log"),
    path("actions/<int:pk>/close/", action_close, name="action-close"),
    path("meetings/<int:pk>/actions/new/", action_create, name="action-create"),
    path("meetings/<int:pk>/asks/<int:update_pk>/answer/", ask_answer, name="ask-answer"),
]
