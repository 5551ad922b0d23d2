"""The Strategic Leadership Team and the TDD Core Team are two bodies of the West Midlands deal's
file, where they were one ("Strategic Leadership Team and TDD Core Team"). An installation that
held them as one keeps that body, with its decisions, meetings, agenda items and the proposals
awaiting it, as the Strategic Leadership Team: it was a leadership team, whose meetings the
workstreams' sponsors attended, and the Core Team runs the process rather than deciding on
proposals. Loading the reference data afterwards adds the TDD Core Team as the chain's new
first body, with no past of its own; proposals awaiting the leadership team do not go back."""

from django.db import migrations

JOINED = (
    "strategic-leadership-team-and-tdd-core-team",
    "Strategic Leadership Team and TDD Core Team",
)
SLT = ("strategic-leadership-team", "Strategic Leadership Team")


def _rename(apps, old, new, short_name):
    GovernanceBody = apps.get_model("tracker", "GovernanceBody")
    for body in GovernanceBody.objects.filter(slug=old[0], name=old[1]):
        taken = GovernanceBody.objects.filter(deal_id=body.deal_id, slug=new[0]).exists()
        if not taken:
            body.slug, body.name, body.short_name = new[0], new[1], short_name
            body.save(update_fields=["slug", "name", "short_name"])


def forwards(apps, schema_editor):
    _rename(apps, JOINED, SLT, "SLT")


def backwards(apps, schema_editor):
    _rename(apps, SLT, JOINED, "")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0014_departments_from_the_deal_file")]

    operations = [migrations.RunPython(forwards, backwards)]
