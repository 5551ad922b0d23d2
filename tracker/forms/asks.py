"""Forms for what a meeting answers and agrees: the DSG's answer to an ask, a meeting's action
and its closing. They check what was typed; the rules are the services' (``services.asks``)."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import User
from core.models import Organisation
from tracker.choices import ActionStatus, AskOutcome

from .records import GovukDateField, RecordForm, _classification, _radios, _text


class AskAnswerForm(RecordForm):
    service_fields = ["outcome", "response"]
    whole_record_errors_on = "response"

    outcome = _radios(
        AskOutcome.choices, "What did the DSG decide?", "Select agreed, declined or noted"
    )
    response = _text(
        "The DSG's answer",
        "In the DSG's words: the lead reads it on their workstream and in their next update.",
        rows=5,
        required="Enter the DSG's answer",
    )


class ActionForm(RecordForm):
    whole_record_errors_on = "description"

    description = _text("Action", "What is to be done.", rows=3, required="Enter the action")
    owner = forms.ChoiceField(
        label="Owner",
        help_text="A person with a role in the deal, or an organisation.",
        error_messages={
            "required": "Select who owns the action",
            "invalid_choice": "Select who owns the action",
        },
    )
    due_on = GovukDateField(
        label="Due",
        name_in_errors="The due date",
        error_messages={"required": "Enter the date the action is due"},
    )
    agenda_item = forms.TypedChoiceField(
        label="From the agenda item (optional)",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Select an item on this meeting's agenda"},
    )
    classification = _classification()

    def __init__(
        self,
        *args: Any,
        owners: list[tuple[str, str]],
        items: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Choose an owner"), *owners]  # type: ignore[attr-defined]
        self.fields["agenda_item"].choices = [("", "None: the meeting as a whole"), *items]  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        kind, _, pk = self.cleaned_data["owner"].partition("-")
        owner_user = User.objects.filter(pk=int(pk)).first() if kind == "user" else None
        owner_organisation = (
            Organisation.objects.filter(pk=int(pk)).first() if kind == "organisation" else None
        )
        return {
            "description": self.cleaned_data["description"],
            "due_on": self.cleaned_data["due_on"],
            "classification": self.cleaned_data["classification"],
            "owner_user": owner_user,
            "owner_organisation": owner_organisation,
        }


class ActionCloseForm(RecordForm):
    service_fields = ["status", "note"]
    whole_record_errors_on = "status"

    status = _radios(
        [(ActionStatus.DONE, "Done"), (ActionStatus.DROPPED, "Dropped")],
        "How did the action end?",
        "Select done or dropped",
    )
    note = _text("Note (optional)", "What was done, or why it was dropped.", rows=3)
