"""Deal, Organisation and Membership move to the core app (the layer every app stands on). Only
Django's record of the models moves: the tables keep their names and nothing in the database
changes, so these operations are state-only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_deal_organisations_memberships_move_here'),
        ('missions', '0003_indicator_year_basis_frequency_figure_history'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='indicatorframework',
                    name='deal',
                    field=models.ForeignKey(blank=True, help_text='Empty for a national framework that every deal uses.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='frameworks', to='core.deal'),
                ),
            ],
        ),
    ]
