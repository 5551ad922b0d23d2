"""The upload form: it checks what was sent is there; the rules (type, size, marking) are the
service's, whose refusals go back on the fields."""

from __future__ import annotations

from django import forms
from django.conf import settings

from core.choices import Classification

from .services import TITLE_LENGTH, megabytes
from .sniffing import ALLOWED_WORDS


class PaperForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=TITLE_LENGTH,
        help_text="As the paper is known at the meeting, for example “Paper 3: Housing pipeline”.",
        error_messages={"required": "Enter a title for the paper"},
    )
    file = forms.FileField(
        label="Upload a file",
        help_text=(
            f"{ALLOWED_WORDS[0].upper()}{ALLOWED_WORDS[1:]}, no larger than "
            f"{megabytes(settings.PAPER_MAX_BYTES)}."
        ),
        error_messages={
            "required": "Select a file",
            "empty": "The selected file is empty",
            "invalid": "Select a file",
            "missing": "Select a file",
        },
        allow_empty_file=True,  # the service says it is empty, as it says everything else
        widget=forms.FileInput(
            attrs={"accept": ".pdf,.docx,.xlsx,.odt,.ods,.odp"},
        ),
    )
    classification = forms.ChoiceField(
        label="Marking",
        choices=Classification.choices,
        widget=forms.RadioSelect,
        help_text="A paper is marked at least as its record is; mark it higher if it says more.",
        error_messages={"required": "Choose the paper's marking"},
    )

    def __init__(self, *args: object, floor: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["classification"].initial = floor
        if floor == Classification.OFFICIAL_SENSITIVE:
            # Nothing lower to choose: the record's marking is the paper's.
            self.fields["classification"].choices = [  # type: ignore[attr-defined]
                (Classification.OFFICIAL_SENSITIVE, Classification.OFFICIAL_SENSITIVE.label)
            ]
