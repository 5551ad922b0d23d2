from unittest import mock

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.services import (
    AccountsError,
    membership_grant,
    membership_revoke,
    user_provision,
)
from core.choices import OrganisationKind, Role
from core.models import Deal, Membership, Organisation
from tracker.choices import WorkstreamStatus
from tracker.models import Theme, Workstream

STRONG = "correct-horse-battery-staple-42"


@pytest.fixture
def deal(db):
    call_command("load_reference_data", verbosity=0)
    return Deal.objects.get(slug="wmca-tdd")


@pytest.fixture
def transport(deal):
    return Workstream.objects.get(deal=deal, slug="transport")


@pytest.fixture
def digital(deal):
    return Workstream.objects.get(deal=deal, slug="digital")


@pytest.fixture
def partner_org(db):
    return Organisation.objects.create(name="Example Chamber", kind=OrganisationKind.BUSINESS)


def written():
    return User.objects.count(), Membership.objects.count(), Organisation.objects.count()


@pytest.mark.django_db
def test_a_new_user_is_created_with_a_lower_case_email_and_the_role(deal):
    user = user_provision(email="  Jo.Bloggs@Example.ORG ", role=Role.DSG, deal=deal)

    assert user.email == "jo.bloggs@example.org"
    assert list(user.memberships.values_list("role", "workstream")) == [(Role.DSG, None)]
    assert not user.is_staff


@pytest.mark.django_db
def test_an_administrator_signs_in_to_the_django_admin_but_is_no_superuser(deal):
    """A deal's administrator sees their own deal there; a superuser would see every deal."""
    user = user_provision(email="core@example.org", role="admin", deal=deal)

    assert user.is_staff and not user.is_superuser
    user.refresh_from_db()
    assert user.is_staff and not user.is_superuser


@pytest.mark.django_db
def test_a_lead_holds_the_role_for_each_workstream_given(deal, transport, digital):
    user = user_provision(
        email="lead@example.org",
        role="lead",
        deal=deal,
        workstreams=[transport, digital, transport],
    )

    assert set(user.memberships.values_list("workstream__slug", flat=True)) == {
        "transport",
        "digital",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.LEAD, Role.SPONSOR])
def test_a_lead_or_sponsor_must_be_given_a_workstream(deal, role):
    with pytest.raises(AccountsError, match="give at least one workstream"):
        user_provision(email="x@example.org", role=role, deal=deal)
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ADMIN, Role.DSG, Role.PARTNER])
def test_a_deal_wide_role_takes_no_workstream(deal, transport, role):
    with pytest.raises(AccountsError, match="whole deal"):
        user_provision(email="x@example.org", role=role, deal=deal, workstreams=[transport])
    assert not User.objects.exists()


@pytest.mark.django_db
def test_an_unknown_role_is_refused_with_the_list_of_roles(deal):
    with pytest.raises(
        AccountsError, match="Unknown role 'boss'.*admin, lead, sponsor, dsg, partner"
    ):
        user_provision(email="x@example.org", role="boss", deal=deal)


@pytest.mark.django_db
def test_an_invalid_email_is_refused(deal):
    with pytest.raises(AccountsError, match="not a valid email"):
        user_provision(email="not-an-email", role=Role.DSG, deal=deal)


@pytest.mark.django_db
def test_a_workstream_of_another_deal_is_refused(deal):
    other = Deal.objects.create(name="Another deal", short_name="Other", slug="other")
    theme = Theme.objects.create(deal=other, name="Theme", slug="theme")
    elsewhere = Workstream.objects.create(
        deal=other, theme=theme, name="Transport", slug="transport"
    )

    with pytest.raises(AccountsError, match="not part of"):
        user_provision(email="x@example.org", role=Role.LEAD, deal=deal, workstreams=[elsewhere])


@pytest.mark.django_db
def test_a_ceased_workstream_takes_no_new_people(deal, transport):
    transport.status = WorkstreamStatus.CEASED
    transport.ceased_on = "2022-06-01"
    transport.save()

    with pytest.raises(AccountsError, match="ceased"):
        user_provision(email="x@example.org", role=Role.LEAD, deal=deal, workstreams=[transport])


@pytest.mark.django_db
def test_a_second_sponsor_for_a_workstream_is_refused_and_nothing_is_written(
    deal, transport, digital
):
    user_provision(email="first@example.org", role=Role.SPONSOR, deal=deal, workstreams=[transport])
    before = written()

    with pytest.raises(AccountsError, match="already has an SLT sponsor, first@example.org"):
        user_provision(
            email="second@example.org",
            role=Role.SPONSOR,
            deal=deal,
            workstreams=[digital, transport],
        )
    assert written() == before


@pytest.mark.django_db
def test_the_database_constraint_backs_the_one_sponsor_rule(deal, transport):
    user_provision(email="first@example.org", role=Role.SPONSOR, deal=deal, workstreams=[transport])
    second = User.objects.create_user("second@example.org")

    # As if a concurrent request had passed the check before the first sponsor was written.
    with (
        mock.patch("accounts.services._sponsor_vacancy_check"),
        pytest.raises(AccountsError, match="already has an SLT sponsor"),
    ):
        membership_grant(user=second, role=Role.SPONSOR, deal=deal, workstream=transport)


@pytest.mark.django_db
def test_provisioning_the_same_sponsor_again_changes_nothing(deal, transport):
    user_provision(email="s@example.org", role=Role.SPONSOR, deal=deal, workstreams=[transport])
    user_provision(email="S@example.org", role=Role.SPONSOR, deal=deal, workstreams=[transport])

    assert Membership.objects.count() == 1
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_an_existing_user_is_updated_and_keeps_their_other_roles(deal, transport, partner_org):
    user_provision(email="jo@example.org", role=Role.LEAD, deal=deal, workstreams=[transport])
    user = user_provision(
        email="JO@example.org",
        role=Role.DSG,
        deal=deal,
        full_name="Jo Bloggs",
        organisation_name="example chamber",
    )

    assert user.full_name == "Jo Bloggs"
    assert user.organisation == partner_org
    assert set(user.memberships.values_list("role", flat=True)) == {Role.LEAD, Role.DSG}


@pytest.mark.django_db
def test_an_unknown_organisation_is_refused_with_how_to_create_it(deal, partner_org):
    with pytest.raises(
        AccountsError, match=r"no organisation called 'Acme'.*Example Chamber.*kind"
    ):
        user_provision(
            email="x@example.org", role=Role.PARTNER, deal=deal, organisation_name="Acme"
        )
    assert not User.objects.exists()


@pytest.mark.django_db
def test_an_organisation_is_created_when_its_kind_is_given(deal):
    user = user_provision(
        email="x@example.org",
        role=Role.PARTNER,
        deal=deal,
        organisation_name="Example University",
        organisation_kind=OrganisationKind.UNIVERSITY,
    )

    assert user.organisation.name == "Example University"
    assert user.organisation.kind == OrganisationKind.UNIVERSITY


@pytest.mark.django_db
def test_an_organisation_kind_that_contradicts_the_existing_one_is_refused(deal, partner_org):
    with pytest.raises(AccountsError, match="already exists as a business"):
        user_provision(
            email="x@example.org",
            role=Role.PARTNER,
            deal=deal,
            organisation_name="Example Chamber",
            organisation_kind=OrganisationKind.UNIVERSITY,
        )


@pytest.mark.django_db
def test_a_new_user_without_a_password_cannot_sign_in_with_one(deal):
    user = user_provision(email="x@example.org", role=Role.DSG, deal=deal)

    assert not user.has_usable_password()


@pytest.mark.django_db
def test_a_password_is_set_when_it_passes_the_validators(deal, client):
    user_provision(email="x@example.org", role=Role.DSG, deal=deal, password=STRONG)

    assert client.login(email="X@example.org", password=STRONG)


@pytest.mark.django_db
@pytest.mark.parametrize("weak", ["short1", "password123456", "123456789012345"])
def test_a_weak_password_is_refused_and_nothing_is_written(deal, weak):
    before = written()
    with pytest.raises(AccountsError, match="password is not acceptable"):
        user_provision(email="x@example.org", role=Role.DSG, deal=deal, password=weak)
    assert written() == before


@pytest.mark.django_db
def test_an_existing_user_given_no_password_keeps_theirs(deal, client):
    user_provision(email="x@example.org", role=Role.DSG, deal=deal, password=STRONG)
    user_provision(email="x@example.org", role=Role.PARTNER, deal=deal)

    assert client.login(email="x@example.org", password=STRONG)


@pytest.mark.django_db
def test_granting_a_membership_twice_gives_one_membership(deal, transport):
    user = User.objects.create_user("x@example.org")
    first = membership_grant(user=user, role=Role.LEAD, deal=deal, workstream=transport)
    again = membership_grant(user=user, role=Role.LEAD, deal=deal, workstream=transport)

    assert first == again
    assert Membership.objects.count() == 1


@pytest.mark.django_db
def test_revoking_a_role_removes_only_that_membership(deal, transport, digital):
    user = user_provision(
        email="x@example.org", role=Role.LEAD, deal=deal, workstreams=[transport, digital]
    )

    membership_revoke(user=user, role=Role.LEAD, deal=deal, workstream=transport)

    assert list(user.memberships.values_list("workstream__slug", flat=True)) == ["digital"]


@pytest.mark.django_db
def test_revoking_the_last_admin_role_takes_away_admin_site_access(deal):
    user = user_provision(email="x@example.org", role=Role.ADMIN, deal=deal)

    membership_revoke(user=user, role=Role.ADMIN, deal=deal)

    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser


@pytest.mark.django_db
def test_revoking_a_role_the_user_does_not_hold_is_an_error(deal):
    user = User.objects.create_user("x@example.org")

    with pytest.raises(AccountsError, match="is not Devolution Strategy Group member"):
        membership_revoke(user=user, role=Role.DSG, deal=deal)
