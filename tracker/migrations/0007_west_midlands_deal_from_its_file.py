"""The West Midlands deal is now loaded from its file (data/deals/wmca-tdd.yaml), whose slug is
``wmca-tdd`` and whose area is the combined authority's. An installation that loaded it before
keeps its deal, renamed to the file's slug, so that loading the file updates it instead of
making a second one."""

from django.db import migrations

OLD, NEW, AREA = "wmca-tdd", "wmca-tdd", "E47000007"


def forwards(apps, schema_editor):
    Deal = apps.get_model("tracker", "Deal")
    if not Deal.objects.filter(slug=NEW).exists():
        Deal.objects.filter(slug=OLD).update(slug=NEW, area_code=AREA)


def backwards(apps, schema_editor):
    Deal = apps.get_model("tracker", "Deal")
    if not Deal.objects.filter(slug=OLD).exists():
        Deal.objects.filter(slug=NEW).update(slug=OLD)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0006_deal_area_code")]

    operations = [migrations.RunPython(forwards, backwards)]
