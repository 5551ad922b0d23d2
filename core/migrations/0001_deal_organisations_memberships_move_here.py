"""Deal, Organisation and Membership move to the core app (the layer every app stands on). Only
Django's record of the models moves: the tables keep their names and nothing in the database
changes, so these operations are state-only."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0006_administrator_role_names_no_deal'),
        ('tracker', '0008_deal_terms_and_demo'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Organisation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, unique=True)),
                        ('kind', models.CharField(choices=[('combined-authority', 'Combined authority'), ('constituent-authority', 'Constituent authority'), ('non-constituent-authority', 'Non-constituent authority'), ('government-department', 'Government department'), ('business', 'Business'), ('university', 'University'), ('voluntary-sector', 'Voluntary sector'), ('other', 'Other')], max_length=32)),
                        ('is_demo', models.BooleanField(default=False, help_text='Synthetic demonstration data.')),
                    ],
                    options={
                        'db_table': 'accounts_organisation',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Deal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, unique=True)),
                        ('short_name', models.CharField(max_length=40, unique=True)),
                        ('slug', models.SlugField(max_length=60, unique=True)),
                        ('area_code', models.CharField(blank=True, help_text="The ONS (GSS) code of the combined authority's area, a letter and eight digits.", max_length=9, verbose_name='area GSS code')),
                        ('area_name', models.CharField(blank=True, help_text="The area's name, as the pages show its figures.", max_length=200)),
                        ('description', models.TextField(blank=True)),
                        ('source', models.CharField(blank=True, help_text='Where the deal is described.', max_length=300)),
                        ('reporting_cadence', models.CharField(choices=[('weekly', 'Weekly'), ('fortnightly', 'Fortnightly'), ('monthly', 'Monthly')], default='fortnightly', max_length=16)),
                        ('update_due_weekday', models.PositiveSmallIntegerField(default=4, help_text='0 is Monday, 6 is Sunday.', validators=[django.core.validators.MaxValueValidator(6)])),
                        ('reporting_starts_on', models.DateField(blank=True, null=True)),
                        ('authority_short_name', models.CharField(blank=True, help_text="What the combined authority is called for short, e.g. in “for its roles only”. Left blank, the authority's full name is used.", max_length=40)),
                        ('proposition_name', models.CharField(default='Proposition', help_text='The name of the composite of endorsed proposals put to government.', max_length=80)),
                        ('core_team_name', models.CharField(default='core team', help_text='What the team of administrators who run the deal is called.', max_length=80)),
                        ('engagement_expectation', models.CharField(blank=True, help_text="What the deal's sources expect of a stakeholder engagement plan that names no non-constituent authority, in their words; shown with the plan's warning.", max_length=300)),
                        ('engagement_expectation_source', models.CharField(blank=True, help_text='Where the sources say it.', max_length=300)),
                        ('is_demo', models.BooleanField(default=False, help_text='Synthetic demonstration data.')),
                        ('combined_authority', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.organisation')),
                    ],
                    options={
                        'db_table': 'tracker_deal',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Membership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('admin', 'Administrator'), ('lead', 'Workstream lead'), ('sponsor', 'SLT sponsor'), ('dsg', 'Devolution Strategy Group member'), ('partner', 'Partner')], max_length=16)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('deal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='core.deal')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                        ('workstream', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='tracker.workstream')),
                    ],
                    options={
                        'db_table': 'accounts_membership',
                        'ordering': ['deal', 'role', 'user'],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('role__in', ('lead', 'sponsor')), ('workstream__isnull', False)), models.Q(models.Q(('role__in', ('lead', 'sponsor')), _negated=True), ('workstream__isnull', True)), _connector='OR'), name='membership_workstream_only_for_leads_and_sponsors', violation_error_message='Leads and sponsors hold their role for one workstream; other roles are for the whole deal.'), models.UniqueConstraint(fields=('user', 'deal', 'role', 'workstream'), name='membership_unique_per_workstream'), models.UniqueConstraint(condition=models.Q(('workstream__isnull', True)), fields=('user', 'deal', 'role'), name='membership_unique_per_deal'), models.UniqueConstraint(condition=models.Q(('role', 'sponsor')), fields=('workstream',), name='membership_one_sponsor_per_workstream', violation_error_message='This workstream already has an SLT sponsor.')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='deal',
                    constraint=models.CheckConstraint(condition=models.Q(('update_due_weekday__lte', 6)), name='deal_due_weekday_valid'),
                ),
                migrations.AddConstraint(
                    model_name='deal',
                    constraint=models.CheckConstraint(condition=models.Q(('area_code', ''), ('area_code__regex', '^[EKNSW][0-9]{8}$'), _connector='OR'), name='deal_area_code_format'),
                ),
                migrations.AddConstraint(
                    model_name='deal',
                    constraint=models.CheckConstraint(condition=models.Q(('reporting_cadence__in', ['weekly', 'fortnightly', 'monthly'])), name='deal_cadence_valid'),
                ),
            ],
        ),
    ]
