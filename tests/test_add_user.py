from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from accounts.management.commands.add_user import Command
from accounts.models import User
from core.choices import OrganisationKind, Role
from core.models import Deal, Membership, Organisation

STRONG = "correct-horse-battery-staple-42"


@pytest.fixture
def deal(db):
    call_command("load_reference_data", verbosity=0)
    return Deal.objects.get(slug="wmca-tdd")


@pytest.fixture
def chamber(db):
    return Organisation.objects.create(name="Example Chamber", kind=OrganisationKind.BUSINESS)


@pytest.fixture
def password_env(monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", STRONG)
    return "NEW_USER_PASSWORD"


def add_user(*args):
    out = StringIO()
    call_command("add_user", *args, stdout=out)
    return out.getvalue()


def written():
    return User.objects.count(), Membership.objects.count(), Organisation.objects.count()


def roles_of(email):
    user = User.objects.get(email=email)
    return sorted(
        (m.role, m.workstream.slug if m.workstream else None) for m in user.memberships.all()
    )


@pytest.mark.django_db
def test_an_administrator_is_created_with_admin_site_access(deal):
    out = add_user("Core@Example.org", "--role", "admin", "--name", "Core Team")

    user = User.objects.get(email="core@example.org")
    assert user.is_staff and not user.is_superuser
    assert roles_of("core@example.org") == [(Role.ADMIN, None)]
    assert "Created core@example.org (Core Team)" in out
    assert "Can sign in to the Django admin, where they see their own deals." in out


@pytest.mark.django_db
def test_a_lead_is_created_for_every_workstream_given(deal):
    out = add_user(
        "lead@example.org", "--role", "lead", "--workstream", "transport", "--workstream", "digital"
    )

    assert roles_of("lead@example.org") == [(Role.LEAD, "digital"), (Role.LEAD, "transport")]
    assert "Workstream lead: Transport" in out
    assert "Workstream lead: Digital" in out


@pytest.mark.django_db
def test_a_sponsor_is_created_for_their_workstream(deal):
    add_user("sponsor@example.org", "--role", "sponsor", "--workstream", "skills")

    assert roles_of("sponsor@example.org") == [(Role.SPONSOR, "skills")]


@pytest.mark.django_db
def test_a_dsg_member_holds_the_role_for_the_whole_deal(deal):
    out = add_user("ceo@example.org", "--role", "dsg")

    assert roles_of("ceo@example.org") == [(Role.DSG, None)]
    assert "the whole deal" in out


@pytest.mark.django_db
def test_a_partner_is_created_in_their_organisation(deal, chamber):
    add_user("partner@example.org", "--role", "partner", "--organisation", "Example Chamber")

    assert User.objects.get(email="partner@example.org").organisation == chamber


@pytest.mark.django_db
def test_a_new_organisation_is_created_only_when_its_kind_is_given(deal):
    add_user(
        "partner@example.org",
        "--role",
        "partner",
        "--organisation",
        "Example University",
        "--organisation-kind",
        "university",
    )

    assert Organisation.objects.get(name="Example University").kind == OrganisationKind.UNIVERSITY


@pytest.mark.django_db
def test_the_password_from_the_environment_signs_in(deal, password_env, client):
    out = add_user("jo@example.org", "--role", "dsg", "--password-from-env", password_env)

    assert client.login(email="jo@example.org", password=STRONG)
    assert "Password set from the environment" in out


@pytest.mark.django_db
def test_without_a_password_the_user_cannot_sign_in_yet(deal, client):
    out = add_user("jo@example.org", "--role", "dsg")

    assert not User.objects.get(email="jo@example.org").has_usable_password()
    assert "cannot sign in until one is set" in out


@pytest.mark.django_db
def test_running_it_again_updates_the_user_and_adds_the_role(deal):
    add_user("jo@example.org", "--role", "lead", "--workstream", "transport")
    out = add_user("JO@example.org", "--role", "dsg", "--name", "Jo Bloggs")

    assert User.objects.count() == 1
    assert roles_of("jo@example.org") == [(Role.DSG, None), (Role.LEAD, "transport")]
    assert "Updated jo@example.org (Jo Bloggs)" in out


@pytest.mark.django_db
def test_the_deal_can_be_named_and_defaults_to_the_only_one(deal):
    add_user("a@example.org", "--role", "dsg", "--deal", "wmca-tdd")
    add_user("b@example.org", "--role", "dsg")

    assert Membership.objects.filter(deal=deal).count() == 2


@pytest.mark.django_db
def test_with_several_deals_one_must_be_named(deal):
    Deal.objects.create(name="Another deal", short_name="Other", slug="other-deal")

    with pytest.raises(CommandError, match="several deals.*--deal.*other-deal"):
        add_user("a@example.org", "--role", "dsg")


@pytest.mark.django_db
def test_an_unknown_deal_is_refused(deal):
    with pytest.raises(CommandError, match="no deal 'nowhere'.*wmca-tdd"):
        add_user("a@example.org", "--role", "dsg", "--deal", "nowhere")


@pytest.mark.django_db
def test_an_unknown_role_is_refused(deal):
    with pytest.raises(CommandError, match="invalid choice: 'boss'"):
        add_user("a@example.org", "--role", "boss")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_unknown_workstreams_are_named_with_the_valid_slugs(deal):
    with pytest.raises(CommandError) as error:
        add_user(
            "a@example.org",
            "--role",
            "lead",
            "--workstream",
            "transport",
            "--workstream",
            "teleport",
            "--workstream",
            "warp",
        )

    message = str(error.value)
    assert "teleport, warp" in message
    assert "Valid slugs:" in message and "transport" in message and "digital" in message
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_sponsor_must_be_given_a_workstream(deal):
    with pytest.raises(CommandError, match="give at least one workstream"):
        add_user("a@example.org", "--role", "sponsor")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_partner_cannot_be_given_a_workstream(deal, chamber):
    with pytest.raises(CommandError, match="whole deal"):
        add_user("a@example.org", "--role", "partner", "--workstream", "transport")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_second_sponsor_for_a_workstream_is_refused_and_nothing_is_written(deal):
    add_user("first@example.org", "--role", "sponsor", "--workstream", "transport")
    before = written()

    with pytest.raises(CommandError, match="already has an SLT sponsor"):
        add_user(
            "second@example.org",
            "--role",
            "sponsor",
            "--workstream",
            "digital",
            "--workstream",
            "transport",
        )
    assert written() == before


@pytest.mark.django_db
def test_an_unknown_organisation_is_refused_with_how_to_create_it(deal):
    before = written()

    with pytest.raises(CommandError, match="no organisation called 'Acme'.*kind"):
        add_user("a@example.org", "--role", "partner", "--organisation", "Acme")
    assert written() == before


@pytest.mark.django_db
@pytest.mark.parametrize("value", [None, ""])
def test_a_missing_or_empty_password_variable_is_refused(deal, monkeypatch, value):
    monkeypatch.delenv("NO_SUCH_PASSWORD", raising=False)
    if value is not None:
        monkeypatch.setenv("NO_SUCH_PASSWORD", value)

    with pytest.raises(CommandError, match="NO_SUCH_PASSWORD is not set or is empty"):
        add_user("a@example.org", "--role", "dsg", "--password-from-env", "NO_SUCH_PASSWORD")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_weak_password_is_refused_and_nothing_is_written(deal, monkeypatch):
    monkeypatch.setenv("WEAK_PASSWORD", "password")
    before = written()

    with pytest.raises(CommandError, match="password is not acceptable.*too short.*too common"):
        add_user(
            "a@example.org",
            "--role",
            "lead",
            "--workstream",
            "transport",
            "--password-from-env",
            "WEAK_PASSWORD",
        )
    assert written() == before


@pytest.mark.django_db
def test_the_password_cannot_be_given_on_the_command_line(deal):
    with pytest.raises(CommandError, match="unrecognized arguments"):
        add_user("a@example.org", "--role", "dsg", "--password", STRONG)


@pytest.mark.django_db
def test_a_password_given_instead_of_a_variable_name_is_not_echoed(deal):
    with pytest.raises(CommandError) as error:
        add_user("a@example.org", "--role", "dsg", "--password-from-env", STRONG)

    assert "name of an environment variable" in str(error.value)
    assert STRONG not in str(error.value)


@pytest.mark.django_db
def test_an_error_exits_with_a_non_zero_status(deal, capsys, monkeypatch):
    # run_from_argv closes every connection when it ends, the test's own included.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["manage.py", "add_user", "a@example.org", "--role", "sponsor"])

    assert exit_.value.code != 0
    assert "give at least one workstream" in capsys.readouterr().err
    assert not User.objects.exists()
