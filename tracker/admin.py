"""Admin for the deal and everything negotiated in it.

Most rows belong to one deal, and several of their foreign keys (theme, survivor workstream,
next body, awaiting body) must point inside that same deal. The database cannot say so, so the
forms here do, and rows added under a parent (a workstream under its theme, a lead under their
workstream) take the parent's deal rather than asking for it again.

What the services write (workstreams, proposals, meetings and their agendas, milestones, risks,
the engagement plan) the admin saves through them, so that their rules, revisions, history and
side effects (a merge moving open work, an agenda kept in step) apply here as on the pages and
the API. What only the governance rules write is shown here and changed elsewhere. The deal's
own settings, bodies, departments and principles have no rule beyond their constraints and the
forms' checks, and are saved as the form stands.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Model, Prefetch, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.template.defaultfilters import pluralize
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import memberships_save
from accounts.admin_scope import (
    PLAIN,
    READ_ONLY,
    SERVICES,
    NoRevert,
    ReadOnly,
    RefusalsShown,
    ScopedHistoryAdmin,
    ScopedModelAdmin,
    ScopedTabularInline,
    ServiceWrites,
)
from accounts.models import User
from core import policy
from core.choices import WORKSTREAM_ROLES, Role
from core.models import Deal, Membership

from . import services
from .choices import ActionStatus, MilestoneStatus, WorkstreamStatus
from .models import (
    Action,
    AgendaItem,
    AskResponse,
    BodyMember,
    Decision,
    EngagementEntry,
    GovernanceBody,
    GovernmentDepartment,
    Meeting,
    Milestone,
    NegotiationEntry,
    Principle,
    PrincipleResponse,
    Proposal,
    PropositionItem,
    PropositionVersion,
    Risk,
    StatusUpdate,
    Theme,
    UpdateReview,
    Workstream,
)


class ViewOnlyAdmin(ReadOnly, ScopedModelAdmin):
    """For records that only a service may write, because it checks rules the admin's forms
    cannot (the governance chain, the Proposition's versions): shown here, changed elsewhere."""

    writes = READ_ONLY


class ViewOnlyInline(ReadOnly, ScopedTabularInline):
    writes = READ_ONLY
    extra = 0
    can_delete = False


def acting(request: HttpRequest) -> User:
    return policy.signed_in(request.user)


def given(form: Any, names: Iterable[str]) -> dict[str, Any]:
    """The form's values for these fields (those it has), for a service that creates a row."""
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


def changed(form: Any, names: Iterable[str]) -> dict[str, Any]:
    """Only what the person changed, for a service that changes a row: a field someone else
    changed meanwhile is left as they left it."""
    return {name: form.cleaned_data[name] for name in names if name in form.changed_data}


def became(obj: Model, saved: Model) -> None:
    """The admin carries on (its message, its log, where it goes next) with the row as the
    service saved it."""
    obj.pk = saved.pk
    obj.refresh_from_db()
    obj._state.adding = False


MEETING_FIELDS = services.governance.MEETING_FIELDS
MILESTONE_FIELDS = services.governance.MILESTONE_FIELDS
PROPOSAL_FIELDS = services.proposals.EDITABLE_FIELDS

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- Keeping rows inside their deal -----------------------------------------------------------


class SameDealForm(forms.ModelForm):
    """Refuses a foreign key that points at another deal's row.

    ``same_deal_fields`` names the foreign keys whose target has a ``deal``; the row's own deal
    comes from the form, or from the parent when the row is edited inline.
    """

    same_deal_fields: tuple[str, ...] = ()

    def _deal_id(self) -> int | None:
        deal = self.cleaned_data.get("deal")
        if deal is not None:
            return deal.pk
        return getattr(self.instance, "deal_id", None)

    def _get_validation_exclusions(self):
        # An inline row's deal is set from its parent, not typed in; it must still take part in
        # the unique checks (a name is unique per deal), so it is not excluded from them.
        exclude = super()._get_validation_exclusions()  # type: ignore[misc]  # private, not in stubs
        if getattr(self.instance, "deal_id", None) is not None:
            exclude.discard("deal")
        return exclude

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        deal_id = self._deal_id()
        if deal_id is None:
            return cleaned
        for name in self.same_deal_fields:
            target = cleaned.get(name)
            if target is not None and target.deal_id != deal_id:
                self.add_error(name, "This belongs to another deal.")
        return cleaned


class ParentDealFormSet(BaseInlineFormSet):
    """Gives each row added under a parent the parent's deal."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]  # private, not in stubs
        if form.instance.deal_id is None:
            form.instance.deal_id = self.instance.deal_id
        return form


# --- Deal, themes, workstreams ----------------------------------------------------------------


class ThemeInline(ScopedTabularInline):
    writes = PLAIN + "a theme is a name and a place in the list"
    model = Theme
    fields = ("name", "slug", "position")
    prepopulated_fields = {"slug": ("name",)}
    extra = 0
    show_change_link = True


@admin.register(Deal)
class DealAdmin(ScopedModelAdmin):
    writes = PLAIN + "the deal's own words and reporting calendar, with no rule beyond constraints"
    list_display = (
        "short_name",
        "name",
        "combined_authority",
        "reporting_cadence",
        "due_weekday",
        "reporting_starts_on",
    )
    list_filter = ("reporting_cadence",)
    list_select_related = ("combined_authority",)
    search_fields = ("name", "short_name", "slug")
    ordering = ("name",)
    prepopulated_fields = {"slug": ("short_name",)}
    autocomplete_fields = ("combined_authority",)
    inlines = (ThemeInline,)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._operator(request) and super().has_add_permission(request)  # runs the site

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._operator(request) and super().has_delete_permission(request, obj)

    @admin.display(description="updates due on", ordering="update_due_weekday")
    def due_weekday(self, obj: Deal) -> str:
        return WEEKDAYS[obj.update_due_weekday] if obj.update_due_weekday < 7 else "–"


class WorkstreamInlineForm(SameDealForm):
    class Meta:
        model = Workstream
        fields = ("name", "slug", "position", "can_proceed_outside_deal")


class WorkstreamInline(ScopedTabularInline):
    """A theme's workstreams. Status (merging, ceasing) is changed on the workstream's own page,
    where the survivor or the date it ceased can be given with it. A workstream is never
    deleted: it ends by merging or ceasing, and keeps its history."""

    writes = SERVICES  # ThemeAdmin.save_formset
    model = Workstream
    form = WorkstreamInlineForm
    formset = ParentDealFormSet
    fields = ("name", "slug", "position", "can_proceed_outside_deal", "status")
    readonly_fields = ("status",)
    prepopulated_fields = {"slug": ("name",)}
    extra = 0
    show_change_link = True
    can_delete = False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Theme)
class ThemeAdmin(RefusalsShown, ScopedModelAdmin):
    writes = PLAIN + (
        "a theme is a name and a place in the list; its workstreams are saved through the services"
    )
    list_display = ("name", "deal", "position", "workstream_count")
    list_filter = ("deal",)
    list_select_related = ("deal",)
    search_fields = ("name", "deal__short_name")
    ordering = ("deal", "position", "name")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (WorkstreamInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(workstream_total=Count("workstreams"))

    @admin.display(description="workstreams", ordering="workstream_total")
    def workstream_count(self, obj: Theme) -> int | None:
        return getattr(obj, "workstream_total", None)

    def save_formset(self, request, form, formset, change) -> None:
        formset.save(commit=False)
        theme = form.instance
        with self.service():
            for workstream, names in formset.changed_objects:
                services.workstream_update(
                    workstream=workstream,
                    acting_user=acting(request),
                    **{name: getattr(workstream, name) for name in names},
                )
            for workstream in formset.new_objects:
                fields = [f for f in services.WORKSTREAM_FIELDS if f != "theme"]
                services.workstream_create(
                    deal=theme.deal,
                    acting_user=acting(request),
                    theme=theme,
                    **{name: getattr(workstream, name) for name in fields},
                )


class WorkstreamForm(SameDealForm):
    same_deal_fields = ("theme", "merged_into")

    def clean(self) -> dict:
        cleaned = super().clean()
        status = cleaned.get("status", self.instance.status)
        ceasing = cleaned.get("ceased_on") or cleaned.get("ceased_reason")
        if ceasing and status != WorkstreamStatus.CEASED:
            self.add_error("status", "The date and reason it ceased go with the status ceased.")
        return cleaned


class WorkstreamMembershipForm(SameDealForm):
    class Meta:
        model = Membership
        fields = ("user", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only leads and sponsors hold a role for one workstream.
        self.fields["role"].choices = [(role.value, role.label) for role in WORKSTREAM_ROLES]  # type: ignore[attr-defined]


class WorkstreamMembershipFormSet(ParentDealFormSet):
    """Refuses a second sponsor in the same save: the database allows one per workstream, and
    that constraint is conditional, so the admin's own duplicate check between rows misses it."""

    def clean(self) -> None:
        super().clean()
        sponsors = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not self._should_delete_form(form)  # type: ignore[attr-defined]  # private to Django
            and form.cleaned_data.get("role") == Role.SPONSOR
        ]
        if len(sponsors) > 1:
            raise ValidationError("A workstream has one SLT sponsor.")


class WorkstreamMembershipInline(ScopedTabularInline):
    """The workstream's leads and its SLT sponsor (saved by ``WorkstreamAdmin.save_formset``)."""

    writes = SERVICES
    model = Membership
    form = WorkstreamMembershipForm
    formset = WorkstreamMembershipFormSet
    fk_name = "workstream"
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    extra = 0
    verbose_name = "lead or sponsor"
    verbose_name_plural = "leads and sponsor"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


def people(memberships) -> str:
    return ", ".join(str(membership.user) for membership in memberships) or "–"


LINKS = ("missions", "metrics", "indicators")
ENDING = ("status", "merged_into", "ceased_on", "ceased_reason")


@admin.register(Workstream)
class WorkstreamAdmin(ServiceWrites, ScopedHistoryAdmin):
    """Saved through the services: setting the status to merged merges the workstream
    (``workstream_merge``, which moves its open work to the survivor), to ceased ceases it; a
    workstream merged or ceased stays so, and what it moves stays as it was."""

    form = WorkstreamForm
    refusal_fields = {"into": "merged_into", "reason": "ceased_reason"}
    list_display = (
        "name",
        "theme",
        "deal",
        "status",
        "outside_the_deal",
        "leads",
        "sponsor",
    )
    list_filter = ("deal", "theme", "status", "can_proceed_outside_deal")
    list_select_related = ("deal", "theme")
    search_fields = ("name", "slug", "description", "theme__name")
    ordering = ("deal", "theme__position", "position", "name")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("merged_into",)
    filter_horizontal = ("missions", "metrics", "indicators")
    inlines = (WorkstreamMembershipInline,)
    fieldsets = (
        (None, {"fields": ("deal", "theme", "name", "slug", "description", "position")}),
        (
            "Status",
            {
                "fields": ENDING,
                "description": "Merged: choose the workstream it merges into; its open "
                "proposals, open risks, engagement plan and items on agendas still to come move "
                "there, and its history stays here. Ceased: give the date and the reason. A "
                "merged or ceased workstream stays so.",
            },
        ),
        ("Scope", {"fields": ("can_proceed_outside_deal",)}),
        (
            "Missions, metrics and indicators it contributes to",
            {"fields": ("missions", "metrics", "indicators")},
        ),
    )

    def get_queryset(self, request):
        # Leads and sponsor are read from prefetched memberships: two queries for the whole page
        # rather than two per row.
        memberships = Membership.objects.select_related("user").order_by("user__email")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=memberships.filter(role=Role.LEAD),
                    to_attr="lead_memberships",
                ),
                Prefetch(
                    "memberships",
                    queryset=memberships.filter(role=Role.SPONSOR),
                    to_attr="sponsor_memberships",
                ),
            )
        )

    @admin.display(
        description="* outside the deal", boolean=True, ordering="can_proceed_outside_deal"
    )
    def outside_the_deal(self, obj: Workstream) -> bool:
        return obj.can_proceed_outside_deal

    @admin.display(description="lead(s)")
    def leads(self, obj: Workstream) -> str:
        return people(getattr(obj, "lead_memberships", []))

    @admin.display(description="SLT sponsor")
    def sponsor(self, obj: Workstream) -> str:
        return people(getattr(obj, "sponsor_memberships", []))

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ENDING  # a new workstream is active
        if obj.status != WorkstreamStatus.ACTIVE:
            return ("deal", *ENDING, *LINKS)  # the services have no way back
        return ("deal",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a workstream ends by merging or ceasing, and keeps its history

    def save_model(self, request, obj: Workstream, form, change: bool) -> None:
        data, user = form.cleaned_data, acting(request)
        with self.service():
            if change:
                saved = obj
                if fields := changed(form, services.WORKSTREAM_FIELDS):
                    saved = services.workstream_update(workstream=obj, acting_user=user, **fields)
            else:
                fields = given(form, services.WORKSTREAM_FIELDS)
                saved = services.workstream_create(deal=data["deal"], acting_user=user, **fields)
            if changed(form, LINKS):
                services.workstream_links_set(
                    workstream=saved, acting_user=user, **{name: data[name] for name in LINKS}
                )
            if "status" in form.changed_data:
                self._end(saved, data, user)
        became(obj, saved)

    def _end(self, workstream: Workstream, data: dict[str, Any], user: User) -> None:
        if data["status"] == WorkstreamStatus.MERGED:
            if data.get("merged_into") is None:
                raise ValidationError({"merged_into": "Choose the workstream it merges into"})
            services.workstream_merge(
                workstream=workstream, into=data["merged_into"], acting_user=user
            )
        elif data["status"] == WorkstreamStatus.CEASED:
            services.workstream_cease(
                workstream=workstream,
                acting_user=user,
                reason=data.get("ceased_reason") or "",
                ceased_on=data.get("ceased_on"),
            )

    def save_formset(self, request, form, formset, change) -> None:
        with self.service():
            memberships_save(formset, acting(request))


# --- Government departments -------------------------------------------------------------------


@admin.register(GovernmentDepartment)
class GovernmentDepartmentAdmin(ScopedModelAdmin):
    writes = PLAIN + "a department is a name, with no rule beyond its constraints"
    list_display = ("name", "abbreviation", "deal", "is_demo")
    list_filter = ("deal", "is_demo")
    list_select_related = ("deal",)
    search_fields = ("name", "abbreviation", "formerly")
    ordering = ("deal", "name")


# --- Governance -------------------------------------------------------------------------------


class GovernanceBodyForm(SameDealForm):
    same_deal_fields = ("next_body", "stands_in_for")

    def clean(self) -> dict:
        cleaned = super().clean()
        # Following next_body from here must end, or proposals would escalate for ever.
        seen = {self.instance.pk} if self.instance.pk else set()
        body = cleaned.get("next_body")
        while body is not None:
            if body.pk in seen:
                self.add_error("next_body", "This would make the escalation chain a loop.")
                break
            seen.add(body.pk)
            body = body.next_body
        return cleaned


class BodyMemberInline(ScopedTabularInline):
    writes = PLAIN + "a seat on a body: a post, and who holds it"
    model = BodyMember
    fields = ("position", "name", "user", "organisation", "is_chair")
    autocomplete_fields = ("user", "organisation")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "organisation")


@admin.register(GovernanceBody)
class GovernanceBodyAdmin(ScopedModelAdmin):
    writes = PLAIN + (
        "the chain's shape is checked by the form (it ends) and the constraints (one first body)"
    )
    form = GovernanceBodyForm
    list_display = (
        "name",
        "short_name",
        "deal",
        "kind",
        "next_body",
        "is_chain_start",
        "is_optional",
        "stands_in_for",
        "position",
    )
    list_filter = ("deal", "kind", "is_chain_start", "is_optional")
    list_select_related = ("deal", "next_body", "stands_in_for")
    search_fields = ("name", "short_name", "slug")
    ordering = ("deal", "position", "name")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("next_body", "stands_in_for")
    readonly_fields = ("escalation_chain",)
    inlines = (BodyMemberInline,)
    fieldsets = (
        (None, {"fields": ("deal", "name", "short_name", "slug", "kind", "position")}),
        (
            "Escalation chain",
            {
                "fields": (
                    "is_chain_start",
                    "next_body",
                    "is_optional",
                    "escalation_chain",
                    "stands_in_for",
                )
            },
        ),
        ("As the sources describe it", {"fields": ("composition", "remit")}),
    )

    @admin.display(description="from here, work goes to")
    def escalation_chain(self, obj: GovernanceBody) -> str:
        names, seen, body = [], {obj.pk}, obj.next_body
        while body is not None and body.pk not in seen:
            names.append(str(body))
            seen.add(body.pk)
            body = body.next_body
        return " → ".join(names) or "– (the last body in the chain)"


@admin.register(BodyMember)
class BodyMemberAdmin(ScopedModelAdmin):
    writes = PLAIN + "a seat on a body: a post, and who holds it"
    list_display = ("position", "name", "user", "body", "organisation", "is_chair")
    list_filter = ("body__deal", "body", "is_chair")
    list_select_related = ("body", "user", "organisation")
    search_fields = ("position", "name", "user__email", "user__full_name", "body__name")
    ordering = ("body", "-is_chair", "position", "name")
    autocomplete_fields = ("body", "user", "organisation")


class AgendaItemInline(ScopedTabularInline):
    """Items built from what awaits the body are kept in step by the app; others are added
    (at the end) or removed here or on the meeting's page, while the meeting is planned
    (saved by ``MeetingAdmin.save_formset``)."""

    writes = SERVICES
    model = AgendaItem
    fields = ("position", "title", "workstream", "classification", "notes", "generated")
    readonly_fields = ("position", "generated")
    autocomplete_fields = ("workstream",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("workstream", "proposal")

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the services add and remove items; none changes one


@admin.register(Meeting)
class MeetingAdmin(ServiceWrites, ScopedHistoryAdmin):
    """Saved through the services: a closed meeting's record is locked, no body meets twice at
    once, and the agendas follow. Its status moves on on its page (``meeting_advance``)."""

    list_display = (
        "body",
        "starts_at",
        "status",
        "classification",
        "location",
        "attendee_count",
        "is_demo",
    )
    list_filter = ("body__deal", "body", "status", "classification", "is_demo")
    list_select_related = ("body",)
    search_fields = ("body__name", "body__short_name", "location", "minutes")
    ordering = ("-starts_at",)
    date_hierarchy = "starts_at"
    autocomplete_fields = ("body",)
    filter_horizontal = ("attendees",)
    inlines = (AgendaItemInline,)

    def get_readonly_fields(self, request, obj=None):
        # A meeting moves from planned to held to closed on its page, where the rules are, and
        # stays with its body.
        return ("status", "is_demo") if obj is None else ("body", "status", "is_demo")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(attendee_total=Count("attendees"))

    @admin.display(description="attendees", ordering="attendee_total")
    def attendee_count(self, obj: Meeting) -> int | None:
        return getattr(obj, "attendee_total", None)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the record of the governance, as the pages and the API keep it

    def save_model(self, request, obj: Meeting, form, change: bool) -> None:
        with self.service():
            if change:
                saved = obj
                if fields := changed(form, MEETING_FIELDS):
                    saved = services.meeting_update(
                        meeting=obj, acting_user=acting(request), **fields
                    )
            else:
                saved = services.meeting_create(
                    body=form.cleaned_data["body"],
                    acting_user=acting(request),
                    **given(form, MEETING_FIELDS),
                )
        became(obj, saved)

    def save_formset(self, request, form, formset, change) -> None:
        formset.save(commit=False)
        with self.service():
            for item in formset.deleted_objects:
                services.agenda_item_remove(item=item, acting_user=acting(request))
            for item in formset.new_objects:
                services.agenda_item_add(
                    meeting=form.instance,
                    acting_user=acting(request),
                    title=item.title,
                    notes=item.notes,
                    classification=item.classification,
                    workstream=item.workstream,
                )


AGENDA_ITEM_FIELDS = ("meeting", "title", "workstream", "classification", "notes")


@admin.register(AgendaItem)
class AgendaItemAdmin(ServiceWrites, ScopedModelAdmin):
    """Added at the end of a planned meeting's agenda and removed from it through the services;
    never changed. Items about a proposal are generated from what awaits the body."""

    list_display = ("title", "meeting", "position", "proposal", "workstream", "generated")
    list_filter = ("meeting__body__deal", "meeting__body", "generated", "classification")
    list_select_related = ("meeting__body", "proposal", "workstream")
    search_fields = ("title", "notes", "proposal__title", "workstream__name")
    ordering = ("-meeting__starts_at", "position")
    autocomplete_fields = ("meeting", "workstream", "proposal")
    readonly_fields = ("generated",)

    def get_fields(self, request, obj=None):
        return AGENDA_ITEM_FIELDS if obj is None else (*AGENDA_ITEM_FIELDS, "proposal", "position")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: AgendaItem, form, change: bool) -> None:
        with self.service():
            saved = services.agenda_item_add(
                acting_user=acting(request), **given(form, AGENDA_ITEM_FIELDS)
            )
        became(obj, saved)

    def delete_model(self, request, obj: AgendaItem) -> None:
        with self.service():
            services.agenda_item_remove(item=obj, acting_user=acting(request))

    def delete_queryset(self, request, queryset: QuerySet[AgendaItem]) -> None:
        with self.service():
            for item in queryset.select_related("meeting__body"):
                services.agenda_item_remove(item=item, acting_user=acting(request))


class AskResponseForm(forms.ModelForm):
    """The update whose ask is answered, the meeting and the answer: the service takes the rest
    (the ask's words, its marking, who recorded it and when) from them."""

    class Meta:
        model = AskResponse
        fields = ("status_update", "meeting", "agenda_item", "outcome", "response")


@admin.register(AskResponse)
class AskResponseAdmin(ServiceWrites, ScopedHistoryAdmin):
    """The DSG's answers to the asks, recorded through the service (one per ask, at a meeting
    of the strategy group that has started and is not closed); never changed or deleted here."""

    form = AskResponseForm
    list_display = ("workstream", "outcome", "meeting", "recorded_by", "recorded_at")
    list_filter = ("workstream__deal", "outcome", "classification")
    list_select_related = ("workstream", "meeting__body", "recorded_by")
    search_fields = ("asked", "response", "workstream__name")
    ordering = ("-recorded_at",)
    autocomplete_fields = ("meeting", "agenda_item")
    raw_id_fields = ("status_update",)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("workstream", "asked", "classification", "recorded_by", "recorded_at")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: AskResponse, form, change: bool) -> None:
        data = form.cleaned_data
        with self.service():
            saved = services.ask_answer(
                status_update=data["status_update"],
                meeting=data["meeting"],
                agenda_item=data.get("agenda_item"),
                outcome=data["outcome"],
                response=data["response"],
                acting_user=acting(request),
            )
        became(obj, saved)


ACTION_FIELDS = (
    "meeting",
    "agenda_item",
    "description",
    "owner_user",
    "owner_organisation",
    "due_on",
    "classification",
)


@admin.register(Action)
class ActionAdmin(ServiceWrites, ScopedHistoryAdmin):
    """A meeting's actions: recorded and closed through the services, which check the owner
    (a person with a role in the deal, or an organisation) and record who closed it, when."""

    actions = ("mark_done", "mark_dropped")
    list_display = ("__str__", "meeting", "owner", "due_on", "status")
    list_filter = ("meeting__body__deal", "meeting__body", "status", "classification")
    list_select_related = ("meeting__body", "owner_user", "owner_organisation")
    search_fields = ("description",)
    ordering = ("due_on",)
    autocomplete_fields = ("meeting", "agenda_item", "owner_user")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ACTION_FIELDS
        return (*ACTION_FIELDS, "status", "closed_at", "closed_by", "closing_note")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the log keeps it: close it as dropped

    def _close(self, request: HttpRequest, queryset: QuerySet[Action], status: str) -> None:
        closed = 0
        with self.service():
            for action in queryset.select_related("meeting__body"):
                if action.status == ActionStatus.OPEN:
                    services.action_close(action=action, acting_user=acting(request), status=status)
                    closed += 1
        self.message_user(request, f"{closed} action{pluralize(closed)} closed.")

    @admin.action(description="Mark the selected actions done")
    def mark_done(self, request: HttpRequest, queryset: QuerySet[Action]) -> None:
        self._close(request, queryset, ActionStatus.DONE)

    @admin.action(description="Mark the selected actions dropped")
    def mark_dropped(self, request: HttpRequest, queryset: QuerySet[Action]) -> None:
        self._close(request, queryset, ActionStatus.DROPPED)

    def save_model(self, request, obj: Action, form, change: bool) -> None:
        with self.service():
            saved = services.action_create(
                acting_user=acting(request), **given(form, ACTION_FIELDS)
            )
        became(obj, saved)


@admin.register(Milestone)
class MilestoneAdmin(ServiceWrites, ScopedHistoryAdmin):
    """Saved through the services: a milestone is done only once what it depends on is done,
    and never depends on itself. Its history says who marked it done, and when."""

    actions = ("mark_done",)
    list_display = ("title", "when_label", "starts_on", "ends_on", "status", "deal")
    list_filter = ("deal", "status")
    list_select_related = ("deal",)
    search_fields = ("title", "when_label")
    ordering = ("deal", "starts_on", "position")
    date_hierarchy = "starts_on"
    filter_horizontal = ("depends_on",)

    def get_readonly_fields(self, request, obj=None):
        # The order of milestones that start on one day comes from the deal's file.
        return ("position",) if obj is None else ("deal", "position")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the timeline keeps it: mark it missed

    @admin.action(description="Mark the selected milestones done")
    def mark_done(self, request: HttpRequest, queryset: QuerySet[Milestone]) -> None:
        """In the timeline's order, so that a milestone and what it depends on can be marked in
        one go; refused whole if one of them depends on a milestone that is not done."""
        marked = 0
        with self.service():
            for milestone in queryset.order_by("starts_on", "position"):
                if milestone.status != MilestoneStatus.DONE:
                    services.milestone_update(
                        milestone=milestone,
                        acting_user=acting(request),
                        status=MilestoneStatus.DONE,
                    )
                    marked += 1
        self.message_user(request, f"{marked} milestone{pluralize(marked)} marked done.")

    def save_model(self, request, obj: Milestone, form, change: bool) -> None:
        with self.service():
            if change:
                saved = services.milestone_update(
                    milestone=obj, acting_user=acting(request), **changed(form, MILESTONE_FIELDS)
                )
            else:
                saved = services.milestone_create(
                    deal=form.cleaned_data["deal"],
                    acting_user=acting(request),
                    **given(form, MILESTONE_FIELDS),
                )
        became(obj, saved)


# --- Proposals and decisions ------------------------------------------------------------------


class ProposalForm(SameDealForm):
    same_deal_fields = ("workstream",)

    def clean(self) -> dict:
        cleaned = super().clean()
        deal_id = self._deal_id()
        departments = cleaned.get("departments")
        if deal_id is not None and any(d.deal_id != deal_id for d in departments or ()):
            self.add_error("departments", "One of these departments belongs to another deal.")
        return cleaned


class DecisionInline(ViewOnlyInline):
    """The record of what each body decided; decisions are recorded on their own page."""

    model = Decision
    fields = ("decided_on", "body", "outcome", "notes", "meeting", "recorded_by")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("body", "meeting__body", "recorded_by")


@admin.register(Proposal)
class ProposalAdmin(ServiceWrites, ScopedHistoryAdmin):
    """Saved through the services: what a proposal asks is fixed once it leaves draft, its
    owner may see it, and each change moves its revision on. A draft no body has decided on
    may be deleted; anything else is withdrawn."""

    form = ProposalForm
    list_display = (
        "title",
        "workstream",
        "deal",
        "ask_type",
        "stage",
        "awaiting_body",
        "outcome",
        "classification",
        "owner",
        "estimated_value",
        "is_demo",
        "updated_at",
    )
    list_filter = (
        "deal",
        "stage",
        "outcome",
        "classification",
        "ask_type",
        "is_demo",
        "workstream__theme",
    )
    list_select_related = ("deal", "workstream", "awaiting_body", "owner")
    search_fields = ("title", "ask", "workstream__name")
    ordering = ("deal", "workstream", "title")
    autocomplete_fields = ("workstream", "owner")
    filter_horizontal = ("departments", "missions", "metrics", "indicators")
    # Where a proposal stands changes only by decisions, submission and outcomes, on its page
    # or through the API, where the chain's rules are checked.
    readonly_fields = (
        "stage",
        "awaiting_body",
        "board_endorsement",
        "submitted_on",
        "outcome",
        "outcome_on",
        "outcome_notes",
        "moved_at",
        "is_demo",
        "created_at",
        "updated_at",
    )
    inlines = (DecisionInline,)

    fieldsets = (
        (None, {"fields": ("deal", "workstream", "title", "owner", "classification", "is_demo")}),
        (
            "The ask",
            {"fields": ("ask_type", "ask", "challenge", "progress", "prize", "estimated_value")},
        ),
        (
            "Where it stands",
            {
                "fields": (
                    "stage",
                    "awaiting_body",
                    "board_endorsement",
                    "submitted_on",
                    "outcome",
                    "outcome_on",
                    "outcome_notes",
                    "moved_at",
                )
            },
        ),
        (
            "Who and what it touches",
            {"fields": ("departments", "missions", "metrics", "indicators")},
        ),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # A proposal moves to another workstream only when its workstream merges.
        fixed = self.readonly_fields
        return fixed if obj is None else ("deal", "workstream", *fixed)

    def save_model(self, request, obj: Proposal, form, change: bool) -> None:
        with self.service():
            if change:
                saved = obj
                if fields := changed(form, PROPOSAL_FIELDS):
                    saved = services.proposal_update(
                        proposal=obj, acting_user=acting(request), **fields
                    )
            else:
                saved = services.proposal_create(
                    workstream=form.cleaned_data["workstream"],
                    acting_user=acting(request),
                    **given(form, PROPOSAL_FIELDS),
                )
        became(obj, saved)

    def delete_model(self, request, obj: Proposal) -> None:
        with self.service():
            services.proposal_delete(proposal=obj, acting_user=acting(request))

    def delete_queryset(self, request, queryset: QuerySet[Proposal]) -> None:
        with self.service():
            for proposal in queryset:
                services.proposal_delete(proposal=proposal, acting_user=acting(request))


@admin.register(Decision)
class DecisionAdmin(ViewOnlyAdmin):
    """Decisions are recorded on the proposal's and the meeting's pages or through the API,
    where only the body a proposal awaits may decide on it."""

    list_display = (
        "proposal",
        "body",
        "outcome",
        "decided_on",
        "meeting",
        "recorded_by",
        "is_demo",
    )
    list_filter = ("outcome", "body__deal", "body", "is_demo")
    list_select_related = ("proposal", "body", "meeting__body", "recorded_by")
    search_fields = ("proposal__title", "notes", "body__name")
    ordering = ("-decided_on", "-created_at")
    date_hierarchy = "decided_on"


@admin.register(Principle)
class PrincipleAdmin(ScopedModelAdmin):
    writes = PLAIN + "a principle is text the deal's file or its administrators give"
    list_display = ("short_name", "deal", "position", "question")
    list_filter = ("deal",)
    list_select_related = ("deal",)
    search_fields = ("short_name", "question", "text")
    ordering = ("deal", "position")
    prepopulated_fields = {"slug": ("short_name",)}


@admin.register(PrincipleResponse)
class PrincipleResponseAdmin(ViewOnlyAdmin):
    list_display = ("proposal", "principle", "answer", "answered_by", "updated_at")
    list_filter = ("principle__deal", "principle", "answer")
    list_select_related = ("proposal", "principle", "answered_by")
    search_fields = ("proposal__title", "note")
    ordering = ("proposal", "principle__position")


@admin.register(NegotiationEntry)
class NegotiationEntryAdmin(NoRevert, SimpleHistoryAdmin, ViewOnlyAdmin):
    """Logged on the proposal's page or through the API: the first entry moves a submitted
    proposal into negotiation."""

    list_display = ("proposal", "department", "held_on", "classification", "recorded_by")
    list_filter = ("proposal__deal", "department", "classification", "is_demo")
    list_select_related = ("proposal", "department", "recorded_by")
    search_fields = ("proposal__title", "summary", "attendees", "next_steps")
    ordering = ("-held_on",)
    date_hierarchy = "held_on"


class PropositionItemInline(ViewOnlyInline):
    model = PropositionItem
    fields = ("position", "theme_name", "workstream_name", "title", "ask_type", "classification")
    readonly_fields = fields


@admin.register(PropositionVersion)
class PropositionVersionAdmin(ViewOnlyAdmin):
    """Versions are made and approved on the Proposition page: each is a fixed copy."""

    list_display = ("title", "number", "deal", "status", "approved_on", "approved_by")
    list_filter = ("deal", "status")
    list_select_related = ("deal", "approved_by")
    search_fields = ("title", "introduction")
    ordering = ("deal", "-number")
    inlines = (PropositionItemInline,)


@admin.register(PropositionItem)
class PropositionItemAdmin(ViewOnlyAdmin):
    list_display = ("title", "version", "position", "workstream_name", "classification")
    list_filter = ("version__deal", "version", "classification")
    list_select_related = ("version",)
    search_fields = ("title", "ask", "workstream_name")
    ordering = ("version", "position")


# --- Status updates ---------------------------------------------------------------------------


@admin.register(StatusUpdate)
class StatusUpdateAdmin(NoRevert, SimpleHistoryAdmin, ViewOnlyAdmin):
    """Updates are kept forever, each revision a new version with its sponsor's sign-off: they
    are written on the workstream's pages (``status_update_submit``), never edited or deleted
    here."""

    list_display = (
        "workstream",
        "period_start",
        "version",
        "rag",
        "direction",
        "classification",
        "author",
        "created_at",
    )
    list_filter = (
        "workstream__deal",
        "rag",
        "direction",
        "classification",
        "is_demo",
        "workstream__theme",
    )
    list_select_related = ("workstream", "author")
    search_fields = ("workstream__name", "summary", "progress", "risks_and_issues")
    ordering = ("workstream", "-period_start", "-version")
    date_hierarchy = "period_start"
    fieldsets = (
        (None, {"fields": ("workstream", "period_start", "period_end", "version", "author")}),
        ("Assessment", {"fields": ("rag", "direction", "classification", "is_demo")}),
        (
            "Report",
            {"fields": ("summary", "progress", "next_steps", "risks_and_issues", "asks_of_dsg")},
        ),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    # Never editable: named so that a version in the history can be shown (its form has them).
    readonly_fields = ("created_at", "updated_at")


class UpdateReviewInline(ViewOnlyInline):
    model = UpdateReview
    fields = ("decision", "comment", "reviewer", "created_at")
    readonly_fields = ("created_at",)


StatusUpdateAdmin.inlines = (UpdateReviewInline,)


@admin.register(UpdateReview)
class UpdateReviewAdmin(ViewOnlyAdmin):
    """A sponsor's sign-off of an update, recorded on the update's page: shown here only."""

    list_display = ("status_update", "decision", "reviewer", "created_at")
    list_filter = ("decision", "status_update__workstream__deal")
    list_select_related = ("status_update__workstream", "reviewer")
    search_fields = ("status_update__workstream__name", "comment", "reviewer__email")


# --- Risks and engagement ---------------------------------------------------------------------


@admin.register(Risk)
class RiskAdmin(ServiceWrites, ScopedHistoryAdmin):
    """Saved through the services, as the risk log's page and the API save it: each change
    moves the risk's revision on (its ETag), a merged or ceased workstream's log is read-only,
    and its owner may see it. Risks are not deleted: close one."""

    list_display = (
        "title",
        "workstream",
        "likelihood",
        "impact",
        "score",
        "status",
        "escalated_to_dsg",
        "classification",
        "owner",
    )
    list_filter = (
        "workstream__deal",
        "status",
        "escalated_to_dsg",
        "classification",
        "is_demo",
        "workstream__theme",
    )
    list_select_related = ("workstream", "owner")
    search_fields = ("title", "description", "mitigation", "workstream__name")
    ordering = ("workstream", "-score")
    autocomplete_fields = ("workstream", "owner")
    readonly_fields = ("score", "revision", "is_demo", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # A risk moves to another workstream only when its workstream merges.
        fixed = self.readonly_fields
        return fixed if obj is None else ("workstream", *fixed)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: Risk, form, change: bool) -> None:
        with self.service():
            if change:
                saved = obj
                if fields := changed(form, services.RISK_FIELDS):
                    saved = services.risk_update(risk=obj, acting_user=acting(request), **fields)
            else:
                saved = services.risk_create(
                    workstream=form.cleaned_data["workstream"],
                    acting_user=acting(request),
                    **given(form, services.RISK_FIELDS),
                )
        became(obj, saved)


@admin.register(EngagementEntry)
class EngagementEntryAdmin(ServiceWrites, ScopedHistoryAdmin):
    """Saved through the services, as the plan's page and the API save it: each change moves
    the line's revision on, and a merged or ceased workstream's plan is read-only. A line is
    a standing arrangement: it is not deleted here, as it is not on the pages or the API."""

    list_display = (
        "workstream",
        "organisation",
        "channel",
        "frequency",
        "last_engaged_on",
        "classification",
    )
    list_filter = (
        "workstream__deal",
        "frequency",
        "classification",
        "organisation__kind",
        "is_demo",
    )
    list_select_related = ("workstream", "organisation", "channel")
    search_fields = ("workstream__name", "organisation__name", "notes", "channel_notes")
    autocomplete_fields = ("workstream", "organisation", "channel")
    readonly_fields = ("revision", "is_demo", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        fixed = self.readonly_fields
        return fixed if obj is None else ("workstream", *fixed)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: EngagementEntry, form, change: bool) -> None:
        with self.service():
            if change:
                saved = obj
                if fields := changed(form, services.ENGAGEMENT_FIELDS):
                    saved = services.engagement_entry_update(
                        entry=obj, acting_user=acting(request), **fields
                    )
            else:
                saved = services.engagement_entry_create(
                    workstream=form.cleaned_data["workstream"],
                    acting_user=acting(request),
                    **given(form, services.ENGAGEMENT_FIELDS),
                )
        became(obj, saved)
