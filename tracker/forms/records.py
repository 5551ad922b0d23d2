"""Forms for the risks and issues log, the engagement plan, and merging or ceasing a workstream.

The forms check what was typed; the rules are the services'. A service's ValidationError is put
back on the form's fields with ``add_service_errors`` so the page shows it the GOV.UK way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from core.choices import Classification
from core.models import Organisation
from core.views import add_service_errors
from tracker import services
from tracker.choices import EngagementFrequency, RiskStatus
from tracker.models import GovernanceBody, Workstream

# The 5 x 5 matrix's words for each step; the numbers are what is stored and scored.
LIKELIHOOD_LABELS = {1: "rare", 2: "unlikely", 3: "possible", 4: "likely", 5: "almost certain"}
IMPACT_LABELS = {1: "negligible", 2: "minor", 3: "moderate", 4: "major", 5: "severe"}

CLASSIFICATION_HELP = (
    "OFFICIAL material can be shared with partners. OFFICIAL-SENSITIVE material (negotiating "
    "positions) is for the combined authority's own roles only and is never shown to partners."
)


class GovukDateInput(forms.MultiWidget):
    """Day, month and year boxes: the GOV.UK date input pattern (see _date_field.html)."""

    use_fieldset = True

    def __init__(self) -> None:
        super().__init__(
            {
                "day": forms.TextInput(attrs={"inputmode": "numeric"}),
                "month": forms.TextInput(attrs={"inputmode": "numeric"}),
                "year": forms.TextInput(attrs={"inputmode": "numeric"}),
            }
        )

    def decompress(self, value: dt.date | None) -> list[int | None]:
        return [value.day, value.month, value.year] if value else [None, None, None]

    def id_for_label(self, id_: str) -> str:
        # The error summary links to the day box, as GOV.UK's date input does.
        return f"{id_}_day" if id_ else ""


class GovukDateField(forms.Field):
    """A date typed as day, month and year, with GOV.UK's error messages."""

    widget = GovukDateInput

    def __init__(self, *, name_in_errors: str, not_future: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "For example, 27 3 2026")
        super().__init__(**kwargs)
        self.name_in_errors = name_in_errors
        self.not_future = not_future

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return value or ["", "", ""]

    def to_python(self, value: Any) -> dt.date | None:
        parts = [str(v or "").strip() for v in (value or ["", "", ""])]
        if not any(parts):
            return None
        missing = [n for n, v in zip(("day", "month", "year"), parts, strict=True) if not v]
        if missing:
            raise ValidationError(f"{self.name_in_errors} must include a {' and '.join(missing)}")
        day, month, year = parts
        if not (day + month + year).isdigit() or len(year) != 4:
            raise ValidationError(f"{self.name_in_errors} must be a real date")
        try:
            date = dt.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{self.name_in_errors} must be a real date") from None
        if self.not_future and date > timezone.localdate():
            raise ValidationError(f"{self.name_in_errors} must be today or in the past")
        return date


def _radios(choices: Any, label: str, required: str, **kwargs: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=choices,
        label=label,
        widget=forms.RadioSelect,
        error_messages={"required": required, "invalid_choice": required},
        **kwargs,
    )


def _text(label: str, help_text: str = "", rows: int = 4, required: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=bool(required),
        error_messages={"required": required},
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": rows, "spellcheck": "true"}),
    )


def _classification() -> forms.TypedChoiceField:
    # No default: whoever records something decides, each time, whether partners may see it.
    return _radios(
        Classification.choices,
        "Classification",
        "Select whether this is OFFICIAL or OFFICIAL-SENSITIVE",
        help_text=CLASSIFICATION_HELP,
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.get_kind_display().lower()})"


class RecordForm(forms.Form):
    """A form whose values go to a risk or engagement service as keyword arguments."""

    use_required_attribute = False
    # Where errors the service gives for the whole record (a constraint) are shown.
    whole_record_errors_on: str | None = None
    service_fields: list[str] = []

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.service_fields}

    def add_service_errors(self, error: ValidationError) -> None:
        add_service_errors(self, error, self.whole_record_errors_on)


class RevisionMixin(forms.Form):
    # The revision the person started editing from: a save made after someone else's is refused.
    revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    @classmethod
    def restarted(cls, data: Any, revision: int, **kw: Any) -> Any:
        """The person's input again, now based on the current revision: after seeing what
        changed, saving it again is a deliberate choice to keep their values."""
        data = data.copy()
        data["revision"] = str(revision)
        form = cls(data, **kw)
        form.is_valid()
        return form


class RiskForm(RecordForm):
    service_fields = services.RISK_FIELDS

    title = forms.CharField(
        label="Title",
        max_length=200,
        error_messages={"required": "Enter a title for the risk or issue"},
        widget=forms.TextInput(attrs={"spellcheck": "true"}),
    )
    description = _text("Description (optional)", "What could happen, or is happening, and why.")
    likelihood = _radios(
        [(n, f"{n} – {word}") for n, word in LIKELIHOOD_LABELS.items()],
        "Likelihood",
        "Select how likely the risk is",
        coerce=int,
        help_text="How likely it is to happen. An issue that has happened is 5.",
    )
    impact = _radios(
        [(n, f"{n} – {word}") for n, word in IMPACT_LABELS.items()],
        "Impact",
        "Select how severe the impact would be",
        coerce=int,
        help_text="How badly it would affect the workstream if it happened.",
    )
    owner = PersonChoiceField(
        queryset=User.objects.none(),
        label="Owner (optional)",
        required=False,
        empty_label="No owner yet",
        help_text="Someone with a role in the deal.",
    )
    mitigation = _text("Mitigation (optional)", "What is being done to reduce it.")
    status = _radios(
        RiskStatus.choices,
        "Status",
        "Select whether the risk is open or closed",
        initial=RiskStatus.OPEN,
    )
    escalated_to_dsg = forms.BooleanField(
        label="Escalated to the Devolution Strategy Group (DSG)", required=False
    )
    classification = _classification()

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people  # type: ignore[attr-defined]


class RiskEditForm(RevisionMixin, RiskForm):
    pass


class EngagementForm(RecordForm):
    service_fields = services.ENGAGEMENT_FIELDS
    whole_record_errors_on = "organisation"

    organisation = OrganisationChoiceField(
        queryset=Organisation.objects.order_by("name"),
        label="Organisation",
        empty_label="Choose an organisation",
        error_messages={
            "required": "Choose the organisation engaged",
            "invalid_choice": "Choose the organisation engaged",
        },
    )
    channel = forms.ModelChoiceField(
        queryset=GovernanceBody.objects.none(),
        label="Existing board, forum or officer group (optional)",
        required=False,
        empty_label="None of these",
        help_text="The deal's governance bodies. Choose “None of these” and describe the way "
        "below if it is another.",
    )
    channel_notes = forms.CharField(
        label="Or how else (optional)",
        max_length=300,
        required=False,
        help_text="For example, a monthly officers’ call or a named forum not listed above.",
    )
    frequency = _radios(
        EngagementFrequency.choices, "How often", "Select how often you engage them"
    )
    last_engaged_on = GovukDateField(
        label="When last engaged (optional)",
        name_in_errors="The date last engaged",
        required=False,
        not_future=True,
    )
    notes = _text("Notes (optional)")
    classification = _classification()

    def __init__(self, *args: Any, channels: QuerySet[GovernanceBody], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels  # type: ignore[attr-defined]


class EngagementEditForm(RevisionMixin, EngagementForm):
    pass


class MergeForm(forms.Form):
    use_required_attribute = False

    into = forms.ModelChoiceField(
        queryset=Workstream.objects.none(),
        label="Which workstream should it merge into?",
        empty_label="Choose a workstream",
        error_messages={
            "required": "Choose the workstream to merge into",
            "invalid_choice": "Choose one of the deal's other active workstreams",
        },
    )
    # Set by the confirmation page: the merge is only made once the person has seen what moves.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, targets: QuerySet[Workstream], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = targets  # type: ignore[attr-defined]

    def add_service_errors(self, error: ValidationError) -> None:
        errors = getattr(error, "error_dict", {NON_FIELD_ERRORS: error.error_list})
        for name, messages in errors.items():
            self.add_error("into" if name in ("into", NON_FIELD_ERRORS) else None, messages)


class CeaseForm(forms.Form):
    use_required_attribute = False

    reason = _text(
        "Why has the workstream ceased?",
        "This is shown on the workstream's page.",
        required="Enter why the workstream has ceased",
    )
    ceased_on = GovukDateField(
        label="When did it cease?",
        name_in_errors="The date it ceased",
        not_future=True,
        error_messages={"required": "Enter the date the workstream ceased"},
    )

    def add_service_errors(self, error: ValidationError) -> None:
        errors = getattr(error, "error_dict", {NON_FIELD_ERRORS: error.error_list})
        for name, messages in errors.items():
            target = {"reason": "reason", "ceased_on": "ceased_on"}.get(name, "reason")
            self.add_error(target, messages)
