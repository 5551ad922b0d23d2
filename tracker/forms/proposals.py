"""Forms for proposals: drafting and editing one, answering the principles, the decisions of the
governance bodies, skipping a level, the outcome, and the log of talks with government.

As with the other forms, these check what was typed and leave the rules to the services; a
service's ValidationError is put back on the fields with ``add_service_errors``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from missions.models import Indicator, Metric, Mission
from tracker import services
from tracker.choices import (
    BODY_DECISIONS,
    AskType,
    Outcome,
    PrincipleAnswer,
    ProposalStage,
)
from tracker.models import (
    GovernanceBody,
    GovernmentDepartment,
    Meeting,
    Principle,
    PrincipleResponse,
    Proposal,
    Workstream,
)

from .records import (
    GovukDateField,
    PersonChoiceField,
    RecordForm,
    RevisionMixin,
    _classification,
    _radios,
    _text,
)

# The most a proposal's estimated value can hold (14 digits, 2 after the point).
MAX_VALUE = Decimal("999999999999.99")


class PoundsField(forms.Field):
    """An amount in pounds, typed as people write it: a pound sign and commas are allowed
    (£1,500,000), words such as "1.5m" are not guessed at."""

    widget = forms.TextInput(
        attrs={"inputmode": "decimal", "class": "govuk-input--width-10", "spellcheck": "false"}
    )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"{value:f}".removesuffix(".00")
        return value

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip().lstrip("£").replace(",", "").strip()
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError("Enter the estimated value as a number, like 1500000") from None
        if not amount.is_finite():
            raise ValidationError("Enter the estimated value as a number, like 1500000")
        if amount < 0:
            raise ValidationError("The estimated value must be £0 or more")
        if amount > MAX_VALUE:
            raise ValidationError("The estimated value must be less than £1 trillion")
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationError("The estimated value must be in pounds and pence, like 1500.50")
        return amount


class WorkstreamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Workstream) -> str:
        return f"{obj.name} ({obj.theme.name})"


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: GovernmentDepartment) -> str:
        return obj.name


class DepartmentsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: GovernmentDepartment) -> str:
        return obj.name


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Meeting) -> str:
        when = timezone.localtime(obj.starts_at)
        return f"{when:%-d %B %Y}, {obj.get_status_display().lower()}"


# --- Drafting and editing ---------------------------------------------------------------------


class MetricsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"Mission {obj.mission.number}: {obj.name}"


class ProposalForm(RecordForm):
    """A new proposal. Only the workstream, the title and the marking are needed to start a
    draft; what it asks and the type of ask are needed before it is submitted."""

    whole_record_errors_on = "title"
    service_fields = [
        "title",
        "classification",
        "ask",
        "ask_type",
        "challenge",
        "progress",
        "prize",
        "estimated_value",
        "owner",
        "departments",
        "missions",
        "metrics",
        "indicators",
    ]

    workstream = WorkstreamChoiceField(
        queryset=Workstream.objects.none(),
        label="Workstream",
        empty_label="Choose a workstream",
        help_text="The workstream that owns the proposal.",
        error_messages={
            "required": "Choose the workstream the proposal belongs to",
            "invalid_choice": "Choose a workstream you can add proposals to",
        },
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="A short name for the ask, for example, “Bus franchising funding settlement”.",
        error_messages={
            "required": "Enter a title for the proposal",
            "max_length": "The title must be 200 characters or fewer",
        },
        widget=forms.TextInput(attrs={"spellcheck": "true"}),
    )
    classification = _classification()
    ask = _text(
        "What is asked of government (optional while it is a draft)",
        "The power, freedom, funding or data the region asks for. Needed before it is submitted.",
        rows=5,
    )
    ask_type = forms.TypedChoiceField(
        choices=AskType.choices,
        label="Type of ask (optional while it is a draft)",
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose the type of ask"},
    )
    challenge = _text("The challenge (optional)", "The problem the ask solves.")
    progress = _text("Progress so far (optional)")
    prize = _text("The prize (optional)", "The benefit to the region if government agrees.")
    estimated_value = PoundsField(
        label="Estimated value (optional)",
        required=False,
        help_text="In pounds, for example, 1500000.",
    )
    owner = PersonChoiceField(
        queryset=User.objects.none(),
        label="Owner (optional)",
        required=False,
        empty_label="You",
        help_text="Someone with a role in the deal who may see the proposal.",
    )
    departments = DepartmentsField(
        queryset=GovernmentDepartment.objects.none(),
        label="Government departments it is negotiated with (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    missions = forms.ModelMultipleChoiceField(
        queryset=Mission.objects.order_by("number"),
        label="Levelling Up missions it moves (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    metrics = MetricsField(
        queryset=Metric.objects.select_related("mission").order_by("mission__number", "position"),
        label="The missions' metrics it moves (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    indicators = forms.ModelMultipleChoiceField(
        queryset=Indicator.objects.none(),
        label="Outcome indicators it moves (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        workstreams: QuerySet[Workstream] | None,
        people: QuerySet[User],
        departments: QuerySet[GovernmentDepartment],
        indicators: QuerySet[Indicator],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicators"].queryset = indicators  # type: ignore[attr-defined]
        if workstreams is None:
            del self.fields["workstream"]
        else:
            self.fields["workstream"].queryset = workstreams  # type: ignore[attr-defined]
        self.fields["owner"].queryset = people  # type: ignore[attr-defined]
        self.fields["departments"].queryset = departments  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        return {n: self.cleaned_data[n] for n in self.service_fields if n in self.fields}


class ProposalEditForm(RevisionMixin, ProposalForm):
    """Changing a proposal. Once it has left draft, what it asks is what the bodies decide on,
    so those fields are left off the form and shown read-only instead."""

    def __init__(self, *args: Any, locked: bool, **kwargs: Any) -> None:
        super().__init__(*args, workstreams=None, **kwargs)
        self.fields["owner"].empty_label = "No owner"  # type: ignore[attr-defined]
        if locked:
            for name in services.proposals.CONTENT_FIELDS:
                del self.fields[name]


def proposal_initial(proposal: Proposal) -> dict[str, Any]:
    return {
        **{name: getattr(proposal, name) for name in services.proposals.CONTENT_FIELDS},
        "progress": proposal.progress,
        "classification": proposal.classification,
        "owner": proposal.owner_id,
        "departments": [d.pk for d in proposal.departments.all()],
        "missions": [m.pk for m in proposal.missions.all()],
        "metrics": [m.pk for m in proposal.metrics.all()],
        "indicators": [i.pk for i in proposal.indicators.all()],
        "revision": proposal.revision,
    }


# --- The principles checklist -----------------------------------------------------------------


class PrinciplesForm(forms.Form):
    """One question per principle of the deal, each answered yes, no or not applicable, with a
    note. Principles may be answered a few at a time; at least one is needed to save."""

    use_required_attribute = False

    def __init__(self, *args: Any, principles: list[Principle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.principles = principles
        for principle in principles:
            self.fields[f"principle_{principle.pk}"] = forms.ChoiceField(
                choices=PrincipleAnswer.choices,
                label=principle.question,
                help_text=principle.text,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": f"Select an answer to “{principle.question}”"},
            )
            self.fields[f"note_{principle.pk}"] = forms.CharField(
                # Each note names its principle: six boxes all called "Note" are ambiguous
                # to someone hearing the form.
                label=f"Note on “{principle.short_name.lower()}” (optional)",
                required=False,
                max_length=10_000,
                widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "true"}),
            )

    def pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """(answer, note) bound fields per principle, in order, for the template."""
        return [(self[f"principle_{p.pk}"], self[f"note_{p.pk}"]) for p in self.principles]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answered = False
        for principle in self.principles:
            answer = data.get(f"principle_{principle.pk}")
            answered = answered or bool(answer)
            if data.get(f"note_{principle.pk}", "").strip() and not answer:
                self.add_error(
                    f"principle_{principle.pk}",
                    f"Select an answer to “{principle.question}”, or delete its note",
                )
        if not answered and self.principles and not self.errors:
            first = self.principles[0]
            self.add_error(f"principle_{first.pk}", "Answer at least one of the principles")
        return data

    def answers(self) -> dict[Principle, tuple[str, str]]:
        return {
            p: (self.cleaned_data[f"principle_{p.pk}"], self.cleaned_data[f"note_{p.pk}"])
            for p in self.principles
            if self.cleaned_data.get(f"principle_{p.pk}")
        }

    def add_service_errors(self, error: ValidationError) -> None:
        errors = getattr(error, "error_dict", {NON_FIELD_ERRORS: error.error_list})
        for name, messages in errors.items():
            self.add_error(name if name in self.fields else None, messages)


def principles_initial(responses: list[PrincipleResponse]) -> dict[str, str]:
    initial = {}
    for response in responses:
        initial[f"principle_{response.principle_id}"] = response.answer
        initial[f"note_{response.principle_id}"] = response.note
    return initial


# --- Governance: decisions, skips and outcomes ------------------------------------------------


class DecisionForm(RecordForm):
    """What the awaited body decided. The body is the one the proposal awaited when the form was
    opened, carried in a hidden field, so a decision recorded by someone else in the meantime
    is refused rather than recorded against the wrong body."""

    whole_record_errors_on = "outcome"
    service_fields = ["outcome", "meeting", "notes", "decided_on"]

    body = forms.ModelChoiceField(queryset=GovernanceBody.objects.none(), widget=forms.HiddenInput)
    outcome = _radios(
        [(o.value, o.label) for o in BODY_DECISIONS],
        "What did the body decide?",
        "Select what the body decided",
    )
    meeting = MeetingChoiceField(
        queryset=Meeting.objects.none(),
        label="At which meeting? (optional)",
        required=False,
        empty_label="Not at a meeting",
        help_text="Meetings of the body that have started and are not closed.",
        error_messages={"invalid_choice": "Choose a meeting of the body that is not closed"},
    )
    decided_on = GovukDateField(
        label="Date of the decision (optional)",
        name_in_errors="The date of the decision",
        required=False,
        not_future=True,
        help_text="For example, 27 3 2026. Leave it empty for the meeting's date, or today.",
    )
    notes = _text(
        "Notes (needed when the proposal is referred back)",
        "The reasons for the decision, and what needs to change if it is referred back.",
    )

    def __init__(
        self,
        *args: Any,
        bodies: QuerySet[GovernanceBody],
        meetings: QuerySet[Meeting],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies  # type: ignore[attr-defined]
        self.fields["meeting"].queryset = meetings  # type: ignore[attr-defined]


class SkipForm(RecordForm):
    whole_record_errors_on = "reason"
    service_fields = ["reason", "on"]

    reason = _text(
        "Why is this level skipped?",
        "This is recorded as the proposal's decision at this level and shown on its page.",
        required="Enter why this level is skipped",
    )
    on = GovukDateField(
        label="Date (optional)",
        name_in_errors="The date",
        required=False,
        not_future=True,
        help_text="For example, 27 3 2026. Leave it empty for today.",
    )


class PassForm(RecordForm):
    whole_record_errors_on = "notes"
    service_fields = ["notes", "on"]

    notes = _text("Notes (optional)", "Kept with its decisions and shown on its page.")
    on = GovukDateField(
        label="Date (optional)",
        name_in_errors="The date",
        required=False,
        not_future=True,
        help_text="For example, 27 3 2026. Leave it empty for today.",
    )


class OutcomeForm(RecordForm):
    whole_record_errors_on = "outcome"
    service_fields = ["outcome", "notes", "on"]

    outcome = _radios(Outcome.choices, "How did it end?", "Select the outcome")
    notes = _text(
        "What was agreed",
        "Needed when it is agreed or partially agreed. Otherwise, say why (optional).",
        rows=6,
    )
    on = GovukDateField(
        label="Date of the outcome (optional)",
        name_in_errors="The date of the outcome",
        required=False,
        not_future=True,
        help_text="For example, 27 3 2026. Leave it empty for today.",
    )

    def __init__(self, *args: Any, stage: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if stage not in (ProposalStage.SUBMITTED, ProposalStage.IN_NEGOTIATION):
            # Before government has it, a proposal can only be withdrawn.
            field = self.fields["outcome"]
            field.choices = [(Outcome.WITHDRAWN.value, Outcome.WITHDRAWN.label)]  # type: ignore[attr-defined]
            field.label = "Outcome"
            field.help_text = (
                "Until it has been submitted to government, the only outcome is withdrawal."
            )
            self.fields["notes"].label = "Why is it withdrawn? (optional)"
            self.fields["notes"].help_text = ""


# --- Talks with government --------------------------------------------------------------------


class NegotiationForm(RecordForm):
    whole_record_errors_on = "summary"
    service_fields = services.proposals.NEGOTIATION_FIELDS

    department = DepartmentChoiceField(
        queryset=GovernmentDepartment.objects.none(),
        label="Government department",
        empty_label="Choose a department",
        error_messages={
            "required": "Choose the government department",
            "invalid_choice": "Choose one of the departments this deal negotiates with",
        },
    )
    held_on = GovukDateField(
        label="When did the talks take place?",
        name_in_errors="The date of the talks",
        not_future=True,
        error_messages={"required": "Enter the date of the talks"},
    )
    attendees = _text(
        "Who attended",
        "Names and organisations, from both sides.",
        rows=3,
        required="Enter who attended",
    )
    summary = _text("Summary", "What was discussed.", rows=6, required="Enter a summary")
    next_steps = _text("Next steps (optional)", rows=3)
    classification = _classification()

    def __init__(
        self, *args: Any, departments: QuerySet[GovernmentDepartment], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class NegotiationEditForm(RevisionMixin, NegotiationForm):
    pass
