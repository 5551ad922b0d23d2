"""Deal, Organisation and Membership move to the core app (the layer every app stands on). Only
Django's record of the models moves: the tables keep their names and nothing in the database
changes, so these operations are state-only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_memberships_leave_for_core'),
        ('briefings', '0004_deal_lives_in_core'),
        ('core', '0001_deal_organisations_memberships_move_here'),
        ('missions', '0004_deal_lives_in_core'),
        ('tracker', '0008_deal_terms_and_demo'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='theme',
                    name='deal',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='themes', to='core.deal'),
                ),
                migrations.AlterField(
                    model_name='historicalworkstream',
                    name='deal',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.deal'),
                ),
                migrations.AlterField(
                    model_name='governmentdepartment',
                    name='deal',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='departments', to='core.deal'),
                ),
                migrations.AlterField(
                    model_name='governancebody',
                    name='deal',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='bodies', to='core.deal'),
                ),
                migrations.AlterField(
                    model_name='historicalproposal',
                    name='deal',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.deal'),
                ),
                migrations.AlterField(
                    model_name='proposal',
                    name='deal',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='proposals', to='core.deal'),
                ),
                migrations.AlterField(
                    model_name='workstream',
                    name='deal',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='workstreams', to='core.deal'),
                ),
                migrations.AlterField(
                    model_name='milestone',
                    name='deal',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='milestones', to='core.deal'),
                ),
                migrations.AlterField(
                    model_name='propositionversion',
                    name='deal',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='proposition_versions', to='core.deal'),
                ),
                migrations.AlterField(
                    model_name='principle',
                    name='deal',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='principles', to='core.deal'),
                ),
                migrations.AlterField(
                    model_name='bodymember',
                    name='organisation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='core.organisation'),
                ),
                migrations.AlterField(
                    model_name='engagemententry',
                    name='organisation',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='engagements', to='core.organisation'),
                ),
                migrations.AlterField(
                    model_name='historicalengagemententry',
                    name='organisation',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.organisation'),
                ),
                migrations.DeleteModel(
                    name='Deal',
                ),
            ],
        ),
    ]
