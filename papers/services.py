"""Attaching papers to meetings and proposals, and removing them: every write of the papers app,
called by its views and its admin alike."""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from core import policy
from core.choices import Classification
from core.errors import DomainError
from core.text import CONTROL_CHARACTERS

from .models import Paper
from .sniffing import NotAPaper, extension, sniff

if TYPE_CHECKING:
    from django.core.files import File

    from accounts.models import User
    from tracker.models import Meeting, Proposal

NAME_STEM_LENGTH = 150  # leaves room for the extension within original_name's 200
TITLE_LENGTH = 200


class PapersError(DomainError):
    """A request about papers that the rules refuse, with a message for the person."""


def megabytes(size: int) -> str:
    return f"{size / 2**20:g} MB"


def clean_name(name: str, kind: str) -> str:
    """The uploaded name as a download may give it back: no folders, no characters a file
    system or a header would trip on, and the extension of the type the file really is."""
    base = os.path.basename((name or "").replace("\\", "/"))
    stem = CONTROL_CHARACTERS.sub("", os.path.splitext(base)[0])[:NAME_STEM_LENGTH]
    try:
        stem = get_valid_filename(stem)
    except SuspiciousFileOperation:  # nothing left of it, or only dots
        stem = "paper"
    return f"{stem.strip('.') or 'paper'}{extension(kind)}"


def _may_attach(user: User, meeting: Meeting | None, proposal: Proposal | None) -> bool:
    if meeting is not None:
        return policy.can_attach_meeting_papers(user, meeting)
    assert proposal is not None
    return policy.can_attach_proposal_papers(user, proposal)


def _marking(chosen: str, floor: str, record: str) -> str:
    """The paper's marking: the record's unless a higher one is chosen, never a lower one."""
    if not chosen:
        return floor
    if chosen not in Classification.values:
        raise ValidationError({"classification": "Choose the paper's marking"})
    if floor == Classification.OFFICIAL_SENSITIVE and chosen != floor:
        raise ValidationError(
            {
                "classification": f"The {record} is OFFICIAL-SENSITIVE: its papers are "
                "OFFICIAL-SENSITIVE too"
            }
        )
    return chosen


def _content(upload: File) -> tuple[bytes, str]:
    """The file's bytes and its type, or why it cannot be a paper. The size is checked before
    anything is read: a file over the limit arrives empty (config/uploads.py)."""
    limit = settings.PAPER_MAX_BYTES
    if (upload.size or 0) > limit:
        raise ValidationError(
            {"file": f"The selected file must be smaller than {megabytes(limit)}"}
        )
    upload.seek(0)
    data = upload.read()
    if len(data) > limit:
        raise ValidationError(
            {"file": f"The selected file must be smaller than {megabytes(limit)}"}
        )
    try:
        return data, sniff(data)
    except NotAPaper as refusal:
        raise ValidationError({"file": str(refusal)}) from None


def paper_attach(
    *,
    acting_user: User,
    upload: File,
    title: str,
    classification: str = "",
    meeting: Meeting | None = None,
    proposal: Proposal | None = None,
) -> Paper:
    """Attach a file to a meeting or a proposal. It is marked as its record is, or higher if
    ``classification`` says so; its type is read from its bytes. The file is stored under a
    random name; if the row cannot be saved, the stored file is deleted again."""
    if (meeting is None) == (proposal is None):
        raise PapersError("A paper belongs to one meeting or one proposal.")
    if not _may_attach(acting_user, meeting, proposal):
        raise PermissionDenied(
            "Only an administrator can attach papers to a meeting."
            if meeting is not None
            else "Only the workstream's lead or an administrator can attach documents."
        )
    title = CONTROL_CHARACTERS.sub("", title or "").strip()
    if not title:
        raise ValidationError({"title": "Enter a title for the paper"})
    if len(title) > TITLE_LENGTH:
        raise ValidationError({"title": f"The title must be {TITLE_LENGTH} characters or fewer"})
    record = meeting if meeting is not None else proposal
    assert record is not None
    marking = _marking(
        classification, record.classification, "meeting" if meeting is not None else "proposal"
    )
    data, kind = _content(upload)
    paper = Paper(
        deal_id=meeting.body.deal_id if meeting is not None else proposal.deal_id,  # type: ignore[union-attr]
        meeting=meeting,
        proposal=proposal,
        title=title,
        original_name=clean_name(upload.name or "", kind),
        content_type=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        classification=marking,
        uploaded_by=acting_user,
        uploaded_at=timezone.now(),
    )
    paper.file.save("paper", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            paper._history_user = acting_user  # type: ignore[attr-defined]
            paper.full_clean(exclude=["file"])
            paper.save()
    except BaseException:
        paper.file.storage.delete(str(paper.file.name))
        raise
    return paper


def paper_remove(*, paper: Paper, acting_user: User) -> Paper:
    """Take a paper off its record's page. The row, its history and its file are kept."""
    if not _may_attach(acting_user, paper.meeting, paper.proposal):
        raise PermissionDenied("Only those who may attach papers here can remove them.")
    with transaction.atomic():
        locked = Paper.objects.select_for_update().get(pk=paper.pk)
        if locked.removed_at is not None:
            raise PapersError("This paper has already been removed.")
        locked.removed_at = timezone.now()
        locked.removed_by = acting_user
        locked._history_user = acting_user  # type: ignore[attr-defined]
        locked.save(update_fields=["removed_at", "removed_by"])
    return locked
