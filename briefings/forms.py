"""Forms for subscriptions: the administrators' form (anyone in the deal, or an external address)
and the profile's (the person themselves). They check what was typed; the rules are the
services', whose errors are put back on the fields with ``add_service_errors``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet

from accounts.models import User
from core import selectors as core_selectors
from core.models import Organisation
from missions import selectors as missions_selectors
from missions.models import Mission
from tracker.forms.governance import GovukTimeField
from tracker.forms.records import PersonChoiceField, _radios
from tracker.models import Theme, Workstream

from .choices import Audience, BriefingFormat, Frequency, Scope
from .models import Subscription
from .services import WEEKDAYS


class WorkstreamsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Workstream) -> str:
        return obj.name


class MissionsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Mission) -> str:
        return str(obj)


class OrganisationField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class ThemeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Theme) -> str:
        return obj.name


class SubscriptionForm(forms.Form):
    """What a digest is about and when it comes. ``people`` is None on the profile page, where
    the subscription is the person's own; ``internal_allowed`` False offers the partner digest
    only (a partner's own form)."""

    use_required_attribute = False

    person = PersonChoiceField(
        queryset=User.objects.none(),
        label="Person",
        required=False,
        empty_label="An external address (enter it below)",
        help_text="Someone with a role in the deal receives it at their own address.",
    )
    email = forms.EmailField(
        label="External email address",
        required=False,
        help_text="Only for someone without an account, such as a partner organisation's officer.",
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(label="Name (optional)", max_length=150, required=False)
    organisation = forms.CharField(label="Organisation (optional)", max_length=200, required=False)
    audience = _radios(Audience.choices, "Digest", "Select which digest to send")
    frequency = _radios(Frequency.choices, "How often", "Select how often to send it")
    weekday = forms.TypedChoiceField(
        choices=list(enumerate(WEEKDAYS)),
        coerce=int,
        label="Day of the week",
        help_text="For weekly and fortnightly digests.",
        required=False,
    )
    day_of_month = forms.IntegerField(
        label="Day of the month",
        help_text="For monthly digests: 1 to 28.",
        required=False,
        error_messages={"invalid": "Enter the day of the month as a number, like 3"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}),
    )
    send_at = GovukTimeField(
        name_in_errors="Time",
        label="Time (UK time)",
        error_messages={"required": "Enter the time to send it, like 08:00"},
    )
    scope = _radios(Scope.choices, "What it covers", "Select what the digest covers")
    theme = ThemeField(
        queryset=Theme.objects.none(),
        label="Theme",
        required=False,
        empty_label="Choose a theme",
        help_text="For a theme's digest.",
    )
    workstreams = WorkstreamsField(
        queryset=Workstream.objects.none(),
        label="Workstreams",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a digest of chosen workstreams.",
    )
    missions = MissionsField(
        queryset=Mission.objects.none(),
        label="Missions",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a digest of chosen missions: the workstreams and proposals linked to them.",
    )
    engaged_organisation = OrganisationField(
        queryset=Organisation.objects.none(),
        label="Organisation engaged",
        required=False,
        empty_label="Choose an organisation",
        help_text="For a digest of the workstreams whose stakeholder engagement plan names it.",
    )

    def __init__(
        self,
        data: Any = None,
        *,
        themes: QuerySet[Theme],
        workstreams: QuerySet[Workstream],
        people: QuerySet[User] | None = None,
        internal_allowed: bool = True,
        subscription: Subscription | None = None,
        prefix: str | None = None,
    ) -> None:
        super().__init__(data, initial=_initial(subscription), prefix=prefix)
        self.fields["theme"].queryset = themes  # type: ignore[attr-defined]
        self.fields["workstreams"].queryset = workstreams  # type: ignore[attr-defined]
        self.fields["missions"].queryset = missions_selectors.mission_choices()  # type: ignore[attr-defined]
        self.fields["engaged_organisation"].queryset = core_selectors.organisations()  # type: ignore[attr-defined]
        if people is None:
            for name in ("person", "email", "name", "organisation"):
                del self.fields[name]
        else:
            self.fields["person"].queryset = people  # type: ignore[attr-defined]
        if not internal_allowed:
            self.fields["audience"].choices = [(Audience.PARTNER, Audience.PARTNER.label)]  # type: ignore[attr-defined]
            self.fields[
                "audience"
            ].help_text = (
                "Your role in the deal receives the partner digest: OFFICIAL material only."
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        frequency = data.get("frequency")
        if frequency == Frequency.MONTHLY and data.get("day_of_month") is None:
            self.add_error("day_of_month", "Enter the day of the month to send it, like 3")
        if frequency in (Frequency.WEEKLY, Frequency.FORTNIGHTLY) and data.get("weekday") in (
            None,
            "",
        ):
            self.add_error("weekday", "Select the day of the week to send it")
        return data

    def values(self) -> dict[str, Any]:
        """The keyword arguments for ``subscription_create`` or ``subscription_update``."""
        data = self.cleaned_data
        monthly = data["frequency"] == Frequency.MONTHLY
        values = {
            "audience": data["audience"],
            "frequency": data["frequency"],
            "day": data["day_of_month"] if monthly else data["weekday"],
            "send_at": data["send_at"],
            "scope": data["scope"],
            "theme": data["theme"] if data["scope"] == Scope.THEME else None,
            "workstreams": list(data["workstreams"]) if data["scope"] == Scope.WORKSTREAMS else [],
            "missions": list(data["missions"]) if data["scope"] == Scope.MISSIONS else [],
            "engaged_organisation": (
                data["engaged_organisation"] if data["scope"] == Scope.ENGAGEMENT else None
            ),
        }
        if "person" in self.fields:
            person = data["person"]
            values |= {
                "user": person,
                "email": "" if person else data["email"],
                "name": "" if person else data["name"],
                "organisation": "" if person else data["organisation"],
            }
        return values

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(self._field_for(name), errors)

    def _field_for(self, name: str) -> str | None:
        if name == "day":
            monthly = self.cleaned_data.get("frequency") == Frequency.MONTHLY
            return "day_of_month" if monthly else "weekday"
        if name == "user":
            return "person" if "person" in self.fields else None
        if name in self.fields and name != NON_FIELD_ERRORS:
            return name
        return None


def _initial(sub: Subscription | None) -> dict[str, Any]:
    if sub is None:
        return {
            "audience": Audience.PARTNER,
            "frequency": Frequency.FORTNIGHTLY,
            "weekday": 0,
            "send_at": "08:00",
            "scope": Scope.DEAL,
        }
    monthly = sub.frequency == Frequency.MONTHLY
    return {
        "person": sub.user_id,
        "email": sub.email,
        "name": sub.name,
        "organisation": sub.organisation,
        "audience": sub.audience,
        "frequency": sub.frequency,
        "weekday": None if monthly else sub.day,
        "day_of_month": sub.day if monthly else None,
        "send_at": sub.send_at,
        "scope": sub.scope,
        "theme": sub.theme_id,
        "workstreams": [ws.pk for ws in sub.workstreams.all()],
        "missions": [m.pk for m in sub.missions.all()],
        "engaged_organisation": sub.engaged_organisation_id,
    }


class BriefingRequestForm(forms.Form):
    """A partner asks the core team for a briefing session, from their digest's signed link.
    Their name, organisation and address start as the subscription's."""

    use_required_attribute = False

    name = forms.CharField(
        label="Your name",
        max_length=150,
        error_messages={"required": "Enter your name"},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    organisation = forms.CharField(
        label="Your organisation",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    email = forms.EmailField(
        label="Your email address",
        help_text="The core team replies to this address.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    topics = forms.CharField(
        label="What would you like to be briefed on?",
        help_text="For example, a workstream or a proposal in your briefing.",
        max_length=2000,
        error_messages={
            "required": "Say what you would like to be briefed on",
            "max_length": "Say what you would like to be briefed on in 2,000 characters or fewer",
        },
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    format = _radios(
        BriefingFormat.choices,
        "In person or online?",
        "Choose in person, online or either",
    )
    preferred_dates = forms.CharField(
        label="Preferred dates (optional)",
        help_text="For example, any weekday morning in the week of 14 March.",
        max_length=300,
        required=False,
        error_messages={"max_length": "Give preferred dates in 300 characters or fewer"},
    )
