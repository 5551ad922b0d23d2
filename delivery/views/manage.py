"""An administrator imports a deal's provisions from a CSV file: upload, preview, confirm.

The file is checked before anything is written (``services.import_provisions`` with
``dry_run``): the preview lists the provisions it would add, or every bad row with its number
and reason and nothing to confirm. The bytes wait in the session and the confirm button carries
their SHA-256, so what is imported is exactly what was previewed; confirming checks them again
(a colleague may have added provisions since) and imports them all or none.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from core import policy
from core.models import Deal
from tracker.choices import Outcome
from tracker.models import Proposal
from tracker.signals import PageSection

from .. import selectors, services
from ..choices import ProvisionKind
from ..forms import ProvisionImportForm

PENDING_KEY = "delivery.import.pending"


def _deals(request: HttpRequest) -> QuerySet[Deal]:
    """The deals whose provisions the person may import: those they administer (else 403)."""
    deals = Deal.objects.visible_to(request.user, policy.ADMINISTER).order_by("name")
    if not request.user.is_authenticated or not deals.exists():
        raise PermissionDenied(services.ADMINISTRATORS_ONLY)
    return deals


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_upload(request: HttpRequest) -> HttpResponse:
    deals = _deals(request)
    if request.method != "POST":
        return _upload_page(request, ProvisionImportForm(deals=deals))
    form = ProvisionImportForm(request.POST, request.FILES, deals=deals)
    if not form.is_valid():
        return _upload_page(request, form)
    deal: Deal = form.cleaned_data["deal"]
    upload = form.cleaned_data["file"]
    data = upload.read()
    plan = services.import_provisions(
        data, deal=deal, acting_user=policy.signed_in(request.user), dry_run=True
    )
    pending = None
    if plan.ok and plan.provisions:
        pending = {
            "data": base64.b64encode(data).decode("ascii"),
            "sha256": _digest(data),
            "deal": deal.pk,
            "name": upload.name or "the file",
        }
        request.session[PENDING_KEY] = pending
    else:
        request.session.pop(PENDING_KEY, None)
    return _preview_page(request, plan, deal=deal, name=upload.name or "the file", pending=pending)


def _upload_page(request: HttpRequest, form: ProvisionImportForm) -> HttpResponse:
    return render(
        request,
        "delivery/manage/import_upload.html",
        {
            "form": form,
            "columns": COLUMNS,
            "kinds": ProvisionKind.values,
        },
    )


def _preview_page(
    request: HttpRequest,
    plan: services.ProvisionImport,
    *,
    deal: Deal,
    name: str,
    pending: dict[str, Any] | None,
) -> HttpResponse:
    return render(
        request,
        "delivery/manage/import_preview.html",
        {"plan": plan, "deal": deal, "name": name, "pending": pending},
    )


@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    deals = _deals(request)
    pending = request.session.get(PENDING_KEY)
    digest = request.POST.get("sha256", "")
    if not isinstance(pending, dict) or not hmac.compare_digest(
        str(pending.get("sha256", "")), digest
    ):
        messages.info(
            request, "The file you checked is no longer held for importing: upload it again"
        )
        return redirect("provision-import")
    deal = deals.filter(pk=pending["deal"]).first()
    if deal is None:
        raise PermissionDenied(services.ADMINISTRATORS_ONLY)
    data = base64.b64decode(pending["data"])
    user = policy.signed_in(request.user)
    # Checked again: provisions may have been added since the preview.
    plan = services.import_provisions(data, deal=deal, acting_user=user, dry_run=True)
    if plan.ok:
        try:
            plan = services.import_provisions(data, deal=deal, acting_user=user)
        except services.DeliveryError as error:
            messages.info(request, str(error))
            plan = services.import_provisions(data, deal=deal, acting_user=user, dry_run=True)
        else:
            request.session.pop(PENDING_KEY, None)
            count = len(plan.provisions)
            messages.success(
                request,
                f"{count} provision{'s' if count != 1 else ''} imported into {deal.name}",
            )
            return redirect("provision-import")
    request.session.pop(PENDING_KEY, None)
    return _preview_page(request, plan, deal=deal, name=pending["name"], pending=None)


# What the upload page says of each column, in the file's words.
COLUMNS = [
    ("reference", "Yes", "Its number in the deal document, such as 4.12. Unique in the deal."),
    ("chapter", "Yes", "The chapter of the deal document it is in."),
    ("title", "Yes", "A short name for it."),
    ("text", "Yes", "Its words, as the deal document gives them."),
    ("workstream", "Yes", "The slug of the workstream that delivers it, such as transport."),
    ("kind", "Yes", "power, funding, freedom, duty or partnership."),
    ("classification", "Yes", "OFFICIAL or OFFICIAL-SENSITIVE."),
    ("lead_organisation", "No", "The name of the organisation that leads its delivery."),
    ("department", "No", "The government department's name or abbreviation."),
]

urlpatterns: list[URLPattern] = [
    path("provisions/import/", import_upload, name="provision-import"),
    path("provisions/import/confirm/", import_confirm, name="provision-import-confirm"),
]


# --- The provisions an agreed proposal became, on its page (tracker's proposal_sections) -------

AGREED = (Outcome.AGREED, Outcome.PARTIALLY_AGREED)


def proposal_section(*, user: Any, proposal: Proposal, **kwargs: Any) -> PageSection | None:
    """The provisions the person may see that came from the proposal; for an agreed or
    partly agreed outcome, its deal's administrators are offered to add one, filled in from the
    proposal (in the admin, which saves through the services)."""
    provisions = list(
        selectors.provisions_for(user).filter(proposals=proposal).order_by("reference")
    )
    can_add = proposal.outcome in AGREED and policy.can_manage_provisions(user, proposal.deal_id)
    if not provisions and not can_add:
        return None
    add_url = ""
    if can_add:
        initial = {
            "deal": proposal.deal_id,
            "workstream": proposal.workstream_id,
            "proposals": proposal.pk,
            "missions": ",".join(str(pk) for pk in proposal.missions.values_list("pk", flat=True)),
            "classification": proposal.classification,
        }
        add_url = reverse("admin:delivery_provision_add") + "?" + urlencode(initial)
    return PageSection(
        template="delivery/manage/_proposal_section.html",
        context={"provisions": provisions, "add_url": add_url, "proposal": proposal},
    )
