"""Forms for the administrators who keep the figures: uploading a file of observations, and
setting an indicator's baseline or a target in an area.

As with the tracker's forms, these check what was typed and leave the rules to the services; a
service's ValidationError is put back on the fields with ``add_service_errors``.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.forms.utils import ErrorDict

from core.views import add_service_errors

from . import ons, services
from .choices import TargetKind
from .models import Area

MAX_MEGABYTES = services.MAX_IMPORT_BYTES // 2**20
YEAR_RANGE = (1990, 2100)  # as Target.year's validators


class ImportForm(forms.Form):
    use_required_attribute = False

    file = forms.FileField(
        label="Upload a CSV file",
        help_text=(
            f"Saved as CSV UTF-8, no larger than {MAX_MEGABYTES} MB, in one of two formats: "
            "this service’s, one figure a row under a header row naming the columns indicator, "
            "unit, period, area_code, area_name, value and source; or a figures file from ONS’s "
            "Explore Local Statistics as it is published (<name>.csv), recognised by its header "
            "row."
        ),
        error_messages={
            "required": "Select a CSV file",
            "empty": "The selected file is empty",
            "invalid": "Select a CSV file",
            "missing": "Select a CSV file",
        },
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )
    metadata = forms.FileField(
        label="Upload the indicator metadata (optional)",
        required=False,
        help_text=(
            "For a file from ONS’s Explore Local Statistics only: the JSON file published beside "
            "the CSV (<name>.json). It gives the indicators their names, subtitles, "
            "descriptions, caveats, sources and decimal places; without it they are named as the "
            "CSV names them. The two files together must be no larger than "
            f"{MAX_MEGABYTES} MB."
        ),
        error_messages={
            "empty": "The selected metadata file is empty",
            "invalid": "Select a JSON file",
            "missing": "Select a JSON file",
        },
        widget=forms.FileInput(attrs={"accept": ".json,application/json"}),
    )
    create_missing_indicators = forms.BooleanField(
        label="Create indicators the file names that are not known yet",
        required=False,
        help_text=(
            "They go into the ‘Imported indicators’ framework, named after their codes, for an "
            "administrator to name and place. Leave this unticked to have an unknown indicator "
            "reported as a mistake in the file. A file from ONS’s Explore Local Statistics always "
            "creates its indicators, from its metadata, in the ‘ONS Explore Local Statistics’ "
            "framework."
        ),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        # Checked before the file is read: the import would refuse it, but only after reading.
        if (upload.size or 0) > services.MAX_IMPORT_BYTES:
            raise ValidationError(f"The selected file must be smaller than {MAX_MEGABYTES} MB")
        return upload

    def clean_metadata(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("metadata")
        if upload is None:
            return None
        if (upload.size or 0) > services.MAX_IMPORT_BYTES:
            raise ValidationError(
                f"The selected metadata file must be smaller than {MAX_MEGABYTES} MB"
            )
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload, metadata = cleaned.get("file"), cleaned.get("metadata")
        if upload is None or metadata is None:
            return cleaned
        # The uploads of one request share the limit: past it, the last file arrives empty.
        if (upload.size or 0) + (metadata.size or 0) > services.MAX_IMPORT_BYTES:
            self.add_error(
                "metadata",
                f"The CSV file and the metadata file together must be smaller than "
                f"{MAX_MEGABYTES} MB",
            )
            return cleaned
        if not self.is_ons:
            self.add_error(
                "metadata",
                "Metadata goes with a file from ONS’s Explore Local Statistics only: the CSV "
                "file is in this service’s own format, so leave the metadata out",
            )
            return cleaned
        try:
            json.loads(self.read_metadata() or b"")
        except ValueError:
            self.add_error(
                "metadata",
                "The metadata file must be JSON: the <name>.json file ONS publishes beside the CSV",
            )
        return cleaned

    @classmethod
    def asking_again(cls, reason: str) -> ImportForm:
        """An empty form whose file field says why the file must be uploaded again."""
        form = cls()
        # An unbound form has no errors to add to (_errors is private, so not in the stubs).
        form._errors = ErrorDict(renderer=form.renderer)  # type: ignore[attr-defined]
        form.cleaned_data = {}
        form.add_error("file", reason)
        return form

    def read(self) -> bytes:
        return _contents(self.cleaned_data["file"])

    def read_metadata(self) -> bytes | None:
        """The metadata file's bytes, or None when none was uploaded."""
        upload = self.cleaned_data.get("metadata")
        return None if upload is None else _contents(upload)

    @property
    def is_ons(self) -> bool:
        """Whether the CSV file is ONS’s Explore Local Statistics format, by its header row."""
        upload: UploadedFile = self.cleaned_data["file"]
        upload.seek(0)
        header = upload.readline().decode("utf-8", "replace")
        return ons.is_ons_header(next(csv.reader([header]), []))


def _contents(upload: UploadedFile) -> bytes:
    """All of an uploaded file, however often it is asked for."""
    upload.seek(0)
    return upload.read()


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.name} ({obj.gss_code})"


class TargetForm(forms.Form):
    """A baseline or a target for one area; its values go to ``services.target_set``."""

    use_required_attribute = False
    service_fields = ["area", "kind", "year", "value", "rationale"]

    area = AreaChoiceField(
        queryset=Area.objects.none(),
        label="Area",
        empty_label="Choose an area",
        error_messages={
            "required": "Select the area",
            "invalid_choice": "Select one of the areas listed",
        },
    )
    kind = forms.ChoiceField(
        choices=TargetKind.choices,
        label="Baseline or target",
        widget=forms.RadioSelect,
        help_text=(
            "An area has one baseline: setting it again moves it. Setting the target for a year "
            "again changes it."
        ),
        error_messages={
            "required": "Select baseline or target",
            "invalid_choice": "Select baseline or target",
        },
    )
    year = forms.IntegerField(
        label="Year",
        min_value=YEAR_RANGE[0],
        max_value=YEAR_RANGE[1],
        help_text="The year the baseline was measured in, or the target is for. For example, 2030",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        error_messages={
            "required": "Enter the year",
            "invalid": "Year must be a whole year, like 2030",
            "min_value": f"Year must be {YEAR_RANGE[0]} or later",
            "max_value": f"Year must be {YEAR_RANGE[1]} or earlier",
        },
    )
    value = forms.DecimalField(
        label="Value",
        max_digits=18,
        decimal_places=services.VALUE_DECIMAL_PLACES,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
        error_messages={
            "required": "Enter the value",
            "invalid": "Value must be a number, like 26.6",
            "max_decimal_places": (
                f"Value must have no more than {services.VALUE_DECIMAL_PLACES} decimal places"
            ),
            "max_digits": "Value is too large",
            "max_whole_digits": "Value is too large",
        },
    )
    rationale = forms.CharField(
        label="Rationale (optional)",
        required=False,
        max_length=10_000,
        help_text="Where the figure comes from, or why it was chosen.",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "true"}),
    )

    def __init__(self, *args: Any, areas: QuerySet[Area], unit_label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field = self.fields["area"]
        assert isinstance(area_field, AreaChoiceField)
        area_field.queryset = areas
        self.fields["value"].help_text = f"In the indicator’s unit: {unit_label}."

    def values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data[name] for name in self.service_fields}
        values["value"] = Decimal(values["value"])
        return values

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's refusal on the fields it names; the rest on the form."""
        add_service_errors(self, error)
