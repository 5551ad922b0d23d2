"""Forms for running the governance: meetings and their agendas, the milestones and the
Proposition.

As with the other forms, these check what was typed and leave the rules to the services; a
service's ValidationError is put back on the fields with ``add_service_errors``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from tracker.choices import MilestoneStatus
from tracker.models import GovernanceBody, Meeting, Milestone

from .records import (
    GovukDateField,
    RecordForm,
    RevisionMixin,
    _classification,
    _radios,
    _text,
)

TIME_PATTERN = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


class GovukTimeField(forms.Field):
    """A time of day typed as 14:30 (or 2:30pm): GOV.UK has no time pattern, so a short text
    input with an example in its hint."""

    def __init__(self, *, name_in_errors: str, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Use the 24-hour clock, for example, 14:30")
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "text"})
        )
        super().__init__(**kwargs)
        self.name_in_errors = name_in_errors

    def prepare_value(self, value: Any) -> Any:
        return value.strftime("%H:%M") if isinstance(value, dt.time) else value

    def to_python(self, value: Any) -> dt.time | None:
        text = str(value or "").strip()
        if not text:
            return None
        match = TIME_PATTERN.match(text)
        if not match:
            raise ValidationError(f"{self.name_in_errors} must be a real time, like 14:30")
        hour, minute, half = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
        if half:
            if not 1 <= hour <= 12:
                raise ValidationError(f"{self.name_in_errors} must be a real time, like 14:30")
            hour = hour % 12 + (12 if half == "pm" else 0)
        if hour > 23 or minute > 59:
            raise ValidationError(f"{self.name_in_errors} must be a real time, like 14:30")
        return dt.time(hour, minute)


class BodyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: GovernanceBody) -> str:
        return obj.name


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


class MeetingForm(RecordForm):
    whole_record_errors_on = "date"

    body = BodyChoiceField(
        queryset=GovernanceBody.objects.none(),
        label="Which body is meeting?",
        empty_label="Choose a body",
        error_messages={
            "required": "Choose the body that is meeting",
            "invalid_choice": "Choose one of the deal's bodies",
        },
    )
    date = GovukDateField(
        label="Date",
        name_in_errors="The date of the meeting",
        error_messages={"required": "Enter the date of the meeting"},
    )
    starts_at_time = GovukTimeField(
        label="Start time",
        name_in_errors="The start time",
        error_messages={"required": "Enter the time the meeting starts"},
    )
    ends_at_time = GovukTimeField(
        label="End time (optional)",
        name_in_errors="The end time",
        required=False,
        help_text="Use the 24-hour clock, for example, 16:30. Leave it empty for two hours.",
    )
    location = forms.CharField(
        label="Where (optional)",
        max_length=300,
        required=False,
        help_text="A room and building, or a link to join online.",
    )
    classification = _classification()
    minutes = _text("Minutes (optional)", "What was discussed and agreed.", rows=8)
    attendees = PeopleChoiceField(
        queryset=User.objects.none(),
        label="Who attended (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="People with a role in the deal.",
    )

    def __init__(
        self,
        *args: Any,
        bodies: QuerySet[GovernanceBody],
        people: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies  # type: ignore[attr-defined]
        self.fields["attendees"].queryset = people  # type: ignore[attr-defined]
        self.fields["classification"].label = "Classification of the minutes and attendance"

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            moved = {"starts_at": "starts_at_time", "ends_at": "ends_at_time"}
            errors = {moved.get(name, name): errs for name, errs in error.error_dict.items()}
            error = ValidationError(errors)
        super().add_service_errors(error)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        starts_at = timezone.make_aware(dt.datetime.combine(data["date"], data["starts_at_time"]))
        ends_at = None
        if data.get("ends_at_time"):
            ends_at = timezone.make_aware(dt.datetime.combine(data["date"], data["ends_at_time"]))
        return {
            "starts_at": starts_at,
            "ends_at": ends_at,
            "location": data["location"],
            "classification": data["classification"],
            "minutes": data["minutes"],
            "attendees": list(data["attendees"]),
        }


class MeetingEditForm(RevisionMixin, MeetingForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A meeting stays with its body: arrange a new one for another body.
        del self.fields["body"]


def meeting_initial(meeting: Meeting) -> dict[str, Any]:
    local_start = timezone.localtime(meeting.starts_at)
    local_end = timezone.localtime(meeting.ends_at) if meeting.ends_at else None
    return {
        "body": meeting.body_id,
        "date": local_start.date(),
        "starts_at_time": local_start.time(),
        "ends_at_time": local_end.time() if local_end else None,
        "location": meeting.location,
        "classification": meeting.classification,
        "minutes": meeting.minutes,
        "attendees": [p.pk for p in meeting.attendees.all()],
        "revision": meeting.revision,
    }


class AgendaItemForm(RecordForm):
    service_fields = ["title", "notes", "classification"]
    whole_record_errors_on = "title"

    title = forms.CharField(
        label="Item",
        max_length=300,
        error_messages={"required": "Enter the item's title"},
        widget=forms.TextInput(attrs={"spellcheck": "true"}),
    )
    notes = _text("Notes (optional)", "Papers, who presents it, or what the body is asked.")
    classification = _classification()


class MilestoneForm(RecordForm):
    service_fields = ["status", "starts_on", "ends_on", "notes", "depends_on"]
    whole_record_errors_on = "status"

    status = _radios(MilestoneStatus.choices, "Status", "Select the milestone's status")
    starts_on = GovukDateField(
        label="Starts",
        name_in_errors="The start date",
        error_messages={"required": "Enter the date the milestone starts"},
    )
    ends_on = GovukDateField(
        label="Ends",
        name_in_errors="The end date",
        error_messages={"required": "Enter the date the milestone ends"},
    )
    notes = _text("Notes (optional)")
    depends_on = forms.ModelMultipleChoiceField(
        queryset=Milestone.objects.none(),
        label="What it depends on (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Milestones that must be done before this one can be.",
    )

    def __init__(self, *args: Any, others: QuerySet[Milestone], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["depends_on"].queryset = others  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The end date must be the same as or after the start date")
        return data


class PropositionVersionForm(RecordForm):
    service_fields = ["title", "introduction"]
    whole_record_errors_on = "title"

    title = forms.CharField(
        label="Title",
        max_length=200,
        error_messages={"required": "Enter a title"},
    )
    introduction = _text(
        "Introduction (optional)",
        "Shown before the proposals in the printed document.",
        rows=8,
    )


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Meeting) -> str:
        return f"{timezone.localtime(obj.starts_at):%-d %B %Y, %H:%M}"


class PropositionApproveForm(RecordForm):
    whole_record_errors_on = "approved_on"

    approved_on = GovukDateField(
        label="Date of approval",
        name_in_errors="The date of approval",
        not_future=True,
        error_messages={"required": "Enter the date the Board approved it"},
    )
    meeting = MeetingChoiceField(
        queryset=Meeting.objects.none(),
        label="At which meeting (optional)",
        required=False,
        empty_label="Not at a recorded meeting",
        error_messages={"invalid_choice": "Choose one of the Board's meetings"},
    )

    def __init__(self, *args: Any, meetings: QuerySet[Meeting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        return {
            "approved_on": self.cleaned_data["approved_on"],
            "meeting": self.cleaned_data["meeting"],
        }


__all__ = [
    "AgendaItemForm",
    "GovukTimeField",
    "MeetingEditForm",
    "MeetingForm",
    "MilestoneForm",
    "PropositionApproveForm",
    "PropositionVersionForm",
    "meeting_initial",
]
