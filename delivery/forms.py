"""Forms for delivery reports and their sign-off. The forms check what was typed; the rules are
the services' (``report_errors`` for a report's fields), and a refusal is shown beside the
field it names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet

from core.models import Deal
from tracker.forms.records import GovukDateField
from tracker.forms.updates import RadioSelect

from .choices import CONFIDENCE_DEFINITIONS, Confidence, DeliveryState
from .models import Provision, ProvisionReport
from .services import MAX_IMPORT_BYTES

STATE_HINTS: dict[str, str] = {
    DeliveryState.NOT_STARTED: "Work on it has not begun.",
    DeliveryState.IN_PROGRESS: "Work is under way.",
    DeliveryState.DELIVERED: "The commitment has been met. It needs no further reports.",
    DeliveryState.STALLED: "Work has stopped, or is waiting on something outside the "
    "workstream's control.",
    DeliveryState.SUPERSEDED: "Replaced by another commitment. It needs no further reports.",
}


class ProvisionReportForm(forms.Form):
    """One provision's report in the lead's visit; its prefix is the provision's id."""

    state = forms.ChoiceField(
        choices=DeliveryState.choices,
        label="Delivery state",
        widget=RadioSelect(STATE_HINTS),
        error_messages={
            "required": "Select the delivery state",
            "invalid_choice": "Select the delivery state",
        },
    )
    confidence = forms.ChoiceField(
        choices=Confidence.choices,
        label="Delivery confidence",
        help_text="The five-point scale government's major projects are rated on.",
        widget=RadioSelect(dict(CONFIDENCE_DEFINITIONS)),
        error_messages={
            "required": "Select the delivery confidence",
            "invalid_choice": "Select the delivery confidence",
        },
    )
    narrative = forms.CharField(
        label="Where delivery stands",
        help_text="Explain any rating below Green: what the problem is and what is being done.",
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "true"}),
    )
    forecast_on = GovukDateField(
        label="Forecast delivery date",
        name_in_errors="Forecast delivery date",
        required=False,
        help_text="When delivery is now forecast. For example, 31 3 2027",
    )
    forecast_reason = forms.CharField(
        label="Why the forecast moved",
        help_text="Needed whenever the forecast differs from the last report's.",
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "true"}),
    )
    based_on_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, provision: Provision, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"p{provision.pk}")
        super().__init__(*args, **kwargs)
        self.provision = provision

    @staticmethod
    def starting_from(
        current: ProvisionReport | None, previous: ProvisionReport | None
    ) -> dict[str, Any]:
        """The form starts from this period's report if there is one, else the last period's
        (a new period's report usually says much what the last one did): the lead changes
        only what moved."""
        source = current or previous
        initial: dict[str, Any] = {"based_on_revision": current.revision if current else 0}
        if source is not None:
            initial |= {
                "state": source.state,
                "confidence": source.confidence,
                "narrative": source.narrative,
                "forecast_on": source.forecast_on,
            }
            if current is not None:
                initial["forecast_reason"] = current.forecast_reason
        return initial

    def unchanged_from(self, current: ProvisionReport | None) -> bool:
        """Whether the answers are this period's report as it stands: nothing to save."""
        if current is None:
            return False
        data = self.cleaned_data
        return all(
            data[name] == getattr(current, name)
            for name in ("state", "confidence", "narrative", "forecast_on", "forecast_reason")
        )


class SignOffForm(forms.Form):
    """A sponsor signs off the period's reports they tick, each at the revision they read."""

    reports = forms.MultipleChoiceField(
        label="Reports to sign off",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one report to sign off"},
    )
    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "true"}),
    )

    def __init__(self, *args: Any, reports: list[ProvisionReport], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_reports = {str(r.pk): r for r in reports}
        field = self.fields["reports"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (str(r.pk), f"{r.provision.reference} {r.provision.title}") for r in reports
        ]
        field.initial = list(self.field_reports)

    def chosen(self, revisions: dict[str, str]) -> list[tuple[ProvisionReport, int]]:
        """The ticked reports, each with the revision the page showed (what is signed off)."""
        chosen = []
        for pk in self.cleaned_data["reports"]:
            report = self.field_reports[pk]
            shown = revisions.get(pk, "")
            chosen.append((report, int(shown) if shown.isdigit() else report.revision))
        return chosen


MAX_MEGABYTES = MAX_IMPORT_BYTES // 2**20


class ProvisionImportForm(forms.Form):
    """An administrator's CSV file of a deal's provisions, checked before anything is written."""

    use_required_attribute = False

    deal = forms.ModelChoiceField(
        queryset=Deal.objects.none(),
        label="Deal",
        empty_label=None,
        error_messages={
            "required": "Select the deal the provisions belong to",
            "invalid_choice": "Select the deal the provisions belong to",
        },
    )
    file = forms.FileField(
        label="Upload a CSV file",
        help_text=f"Saved as CSV UTF-8, no larger than {MAX_MEGABYTES} MB, one provision a row "
        "under a header row naming the columns.",
        error_messages={
            "required": "Select a CSV file",
            "empty": "The selected file is empty",
            "invalid": "Select a CSV file",
            "missing": "Select a CSV file",
        },
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, deals: QuerySet[Deal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["deal"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = deals
        self.only_deal = deals[0] if len(deals) == 1 else None
        if self.only_deal is not None:
            # One deal to choose from: nothing to ask.
            field.required = False
            field.widget = forms.HiddenInput()

    def clean_deal(self) -> Deal:
        deal: Deal | None = self.cleaned_data.get("deal") or self.only_deal
        if deal is None:
            raise ValidationError("Select the deal the provisions belong to")
        return deal

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        # Checked before the file is read: the import would refuse it, but only after reading.
        if (upload.size or 0) > MAX_IMPORT_BYTES:
            raise ValidationError(f"The selected file must be smaller than {MAX_MEGABYTES} MB")
        return upload
