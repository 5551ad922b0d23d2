"""Deal, Organisation and Membership move to the core app (the layer every app stands on). Only
Django's record of the models moves: the tables keep their names and nothing in the database
changes, so these operations are state-only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_memberships_leave_for_core'),
        ('core', '0001_deal_organisations_memberships_move_here'),
        ('tracker', '0009_deal_lives_in_core'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='user',
                    name='organisation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='people', to='core.organisation'),
                ),
                migrations.DeleteModel(
                    name='Membership',
                ),
                migrations.DeleteModel(
                    name='Organisation',
                ),
            ],
        ),
    ]
