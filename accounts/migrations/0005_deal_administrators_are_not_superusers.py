"""Granting the administrator role used to make a Django superuser, who sees every deal. An
administrator now sees their own deal only, in the Django admin as everywhere else: people who
hold the role lose superuser status and keep admin site access. Superusers without the role (made
with ``createsuperuser`` to run the site) stay superusers."""

from django.db import migrations


def administrators_of_their_deal(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    administrators = User.objects.filter(memberships__role="admin").distinct()
    User.objects.filter(pk__in=administrators.values("pk")).update(
        is_superuser=False, is_staff=True
    )


def superusers_again(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    administrators = User.objects.filter(memberships__role="admin").distinct()
    User.objects.filter(pk__in=administrators.values("pk")).update(is_superuser=True, is_staff=True)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_user_sessions")]

    operations = [migrations.RunPython(administrators_of_their_deal, superusers_again)]
