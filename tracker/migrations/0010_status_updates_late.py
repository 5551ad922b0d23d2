"""Status updates say whether they were late: posted after their period's due date.

Until now an update could only be posted for the period open at the time, so the only late
updates already stored are those posted between their period's due date and its end. They are
marked from their first version's posting day and the deal's cadence as it is now."""

from django.db import migrations, models
from django.utils import timezone


def mark_late(apps, schema_editor):  # type: ignore[no-untyped-def]
    from tracker.periods import period_for

    StatusUpdate = apps.get_model("tracker", "StatusUpdate")
    firsts = StatusUpdate.objects.filter(version=1).select_related("workstream__deal")
    late = []
    for first in firsts.iterator():
        deal = first.workstream.deal
        period = period_for(
            first.period_start,
            cadence=deal.reporting_cadence,
            due_weekday=deal.update_due_weekday,
            anchor=deal.reporting_starts_on,
        )
        if timezone.localtime(first.created_at).date() > period.due_on:
            late.append((first.workstream_id, first.period_start))
    for workstream_id, period_start in late:
        versions = StatusUpdate.objects.filter(workstream_id=workstream_id, period_start=period_start)
        versions.update(late=True)
        apps.get_model("tracker", "HistoricalStatusUpdate").objects.filter(
            id__in=versions.values("pk")
        ).update(late=True)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0009_deal_lives_in_core"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalstatusupdate",
            name="late",
            field=models.BooleanField(
                default=False, help_text="Its period's due date had passed when it was first posted."
            ),
        ),
        migrations.AddField(
            model_name="statusupdate",
            name="late",
            field=models.BooleanField(
                default=False, help_text="Its period's due date had passed when it was first posted."
            ),
        ),
        migrations.RunPython(mark_late, migrations.RunPython.noop, elidable=True),
    ]
