"""``Model.objects.visible_to(user, action)``: one restriction for every deal-scoped list, from
``core.policy`` and the model's own ``deal_path``, in place of lookup strings at each call site."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model

from accounts.models import User
from core.models import Organisation
from core.policy import restrict
from core.querysets import DealScopedQuerySet
from missions.models import IndicatorFramework
from tracker.choices import ReviewDecision
from tracker.models import StatusUpdate, UpdateReview, Workstream

from .conftest import People

SCOPED = sorted(
    (m for m in apps.get_models() if getattr(m, "deal_path", None) and m is not User),
    key=lambda m: m._meta.label,
)


def test_every_deal_scoped_model_lists_through_visible_to() -> None:
    assert len(SCOPED) > 20
    for model in SCOPED:
        assert isinstance(model._default_manager.all(), DealScopedQuerySet), model._meta.label


@pytest.mark.django_db
@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m._meta.label)
def test_each_models_restriction_runs_for_every_kind_of_person(
    people: People, model: type[Model]
) -> None:
    for user in [AnonymousUser(), people.partner, people.lead, people.admin]:
        for action in ("view", "administer"):
            list(model._default_manager.visible_to(user, action)[:1])


@pytest.mark.django_db
def test_a_partner_sees_no_sensitive_update_and_no_review_of_one(
    people: People, sensitive_update: StatusUpdate
) -> None:
    UpdateReview.objects.create(
        status_update=sensitive_update, reviewer=people.sponsor, decision=ReviewDecision.SIGNED_OFF
    )
    for user, sees in [(people.partner, False), (people.dsg, True), (people.admin, True)]:
        assert StatusUpdate.objects.visible_to(user).filter(pk=sensitive_update.pk).exists() is sees
        assert UpdateReview.objects.visible_to(user).exists() is sees


@pytest.mark.django_db
def test_the_second_deals_people_see_only_their_deal(
    people: People, second: dict[str, User], sensitive_update: StatusUpdate
) -> None:
    for user in second.values():
        assert set(Workstream.objects.visible_to(user).values_list("slug", flat=True)) == {
            "harbour-skills"
        }
        assert not StatusUpdate.objects.visible_to(user).exists()
    assert (
        not Workstream.objects.visible_to(second["admin"], "administer")
        .filter(deal=people.deal)
        .exists()
    )
    # A lead sees their deal's workstreams but administers none.
    assert Workstream.objects.visible_to(second["lead"]).exists()
    assert not Workstream.objects.visible_to(second["lead"], "administer").exists()


@pytest.mark.django_db
def test_a_national_framework_is_for_every_signed_in_person(
    people: People, second: dict[str, User]
) -> None:
    national = IndicatorFramework.objects.filter(deal__isnull=True)
    assert national.exists()
    for user in [people.partner, second["partner"], people.nobody]:
        assert set(national) <= set(IndicatorFramework.objects.visible_to(user))
    assert not IndicatorFramework.objects.visible_to(AnonymousUser()).exists()


def test_an_unknown_action_or_a_model_without_a_deal_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown action"):
        Workstream.objects.visible_to(AnonymousUser(), "delete")
    with pytest.raises(TypeError, match="no deal_path"):
        restrict(Organisation.objects.all(), AnonymousUser())
