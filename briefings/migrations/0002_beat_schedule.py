"""The beat schedule: one tick a minute that sends whatever is due (editable in the admin)."""

from django.db import migrations

TASK_NAME = "briefings.tasks.tick"


def schedule_tick(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK_NAME,
            "interval": every_minute,
            # A tick nobody ran within its minute is dropped: the next one does the same work.
            "expire_seconds": 55,
            "description": "Claims the digests and reminders now due and queues one send each; "
            "also re-queues any that a stopped worker left unsent.",
        },
    )


def unschedule_tick(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("briefings", "0001_subscriptions_deliveries"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule_tick, unschedule_tick)]
