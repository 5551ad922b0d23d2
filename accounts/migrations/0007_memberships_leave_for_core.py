"""Deal, Organisation and Membership move to the core app (the layer every app stands on). Only
Django's record of the models moves: the tables keep their names and nothing in the database
changes, so these operations are state-only."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_administrator_role_names_no_deal'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='membership',
                    name='deal',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='workstream',
                ),
            ],
        ),
    ]
