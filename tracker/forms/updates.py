"""Forms for status updates: posting or revising a period's update, and a sponsor's review.

The reporting rules live in ``services.status_update_errors``; the form only puts their
messages on the right fields so the page can show them the GOV.UK way.
"""

from __future__ import annotations

from typing import Any

from django import forms

from core.choices import Classification
from tracker import services
from tracker.choices import Direction, Rag, ReviewDecision
from tracker.constants import RAG_MEANINGS

CLASSIFICATION_HINTS: dict[str, str] = {
    Classification.OFFICIAL: "Can be shared with partners, in briefings and the partner view.",
    Classification.OFFICIAL_SENSITIVE: "Negotiating positions, or anything else for the combined "
    "authority's own roles only. Never shared with partners.",
}


class RadioSelect(forms.RadioSelect):
    """Radios that carry a hint under each option (GOV.UK radios with hints).

    Each option gets ``hint`` and ``hint_id`` in its data, and its input is described by the
    hint, so a screen reader reads the meaning with the choice. Named like Django's so that
    ``BoundField.widget_type`` stays "radioselect" and the shared includes (the error summary
    links to the first option) treat it as radios.
    """

    def __init__(self, hints: dict[str, str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hints = hints

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        hint = self.hints.get(str(option["value"]))
        if hint and "id" in option["attrs"]:
            option["hint"] = hint
            option["hint_id"] = f"{option['attrs']['id']}_hint"
            option["attrs"]["aria-describedby"] = option["hint_id"]
        return option


def _radios(choices: Any, label: str, required_message: str, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=choices,
        label=label,
        error_messages={"required": required_message, "invalid_choice": required_message},
        **kwargs,
    )


def _text(label: str, help_text: str = "", rows: int = 5) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        strip=True,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": rows, "spellcheck": "true"}),
    )


class StatusUpdateForm(forms.Form):
    rag = _radios(
        Rag.choices,
        "Overall RAG rating",
        "Select a RAG rating",
        widget=RadioSelect(RAG_MEANINGS),
    )
    direction = _radios(
        Direction.choices,
        "Direction of travel",
        "Select the direction of travel",
        help_text="Compared with the last period",
        widget=forms.RadioSelect(),
    )
    summary = _text(
        "Summary", "Where the workstream stands, in a few sentences. Needed for every rating."
    )
    progress = _text("Progress since last period")
    next_steps = _text(
        "Next steps", "For a red rating, give the recovery action here or an ask of the DSG"
    )
    risks_and_issues = _text("Risks and issues")
    asks_of_dsg = _text(
        "Asks of the Devolution Strategy Group (DSG)",
        "Decisions or help you need from the DSG, if any",
    )
    classification = _radios(
        Classification.choices,
        "Classification",
        "Select a classification",
        widget=RadioSelect(CLASSIFICATION_HINTS),
    )
    # The version of this period's update the person started from (0 when there was none), so
    # that a submission made while someone else revised the period is refused, not lost.
    based_on_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    # The earlier period's update the answers were filled in from, if any: the lead then sees
    # what they changed since it, and confirms the rest, before the update is posted.
    started_from = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "rag" in data:
            errors = services.status_update_errors(
                rag=data["rag"],
                summary=data.get("summary", ""),
                next_steps=data.get("next_steps", ""),
                asks_of_dsg=data.get("asks_of_dsg", ""),
            )
            for field, message in errors.items():
                self.add_error(field, message)
        return data

    def submission(self) -> dict[str, Any]:
        """The cleaned values as ``services.status_update_submit`` takes them."""
        return {name: self.cleaned_data[name] for name in services.UPDATE_FIELDS} | {
            "based_on_version": self.cleaned_data["based_on_version"]
        }


# What a new period's update carries over from the last one: where the workstream stands, what
# comes next, its risks and its asks. Progress and the direction of travel are about the period
# itself, so the lead gives them afresh.
CARRIED_OVER = ["rag", "summary", "next_steps", "risks_and_issues", "asks_of_dsg", "classification"]


REVIEW_CHOICES = [
    (ReviewDecision.SIGNED_OFF, "Sign off"),
    (ReviewDecision.COMMENTED, "Comment only"),
]


class UpdateReviewForm(forms.Form):
    decision = _radios(
        REVIEW_CHOICES,
        "Do you want to sign off this update?",
        "Select whether to sign off this update or comment only",
        widget=RadioSelect(
            {
                ReviewDecision.SIGNED_OFF: "You agree this update is a fair account of the "
                "workstream. A comment is optional.",
                ReviewDecision.COMMENTED: "Add a comment without signing off.",
            }
        ),
    )
    comment = _text("Comment", rows=4)

    def __init__(self, *args: Any, signed_off: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if signed_off:
            self.hide_decision()

    def hide_decision(self) -> None:
        """Once a version is signed off its sponsor can still comment, so the form asks only
        for the comment. Both choices stay valid: a second sign-off is the service's to refuse.
        """
        decision = self.fields["decision"]
        decision.initial = ReviewDecision.COMMENTED
        decision.widget = forms.HiddenInput()
        self.fields["comment"].label = "Add a comment"
