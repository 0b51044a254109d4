"""The applicant's folded name on the dossier row, for the work queue's name search (the
name of a dossier's applicant never changes: an applicant row is written once)."""

from django.db import migrations, models

# Both databases: a correlated UPDATE (a minute or so at a million dossiers on PostgreSQL).
FILL = """
UPDATE dossiers_dossier SET applicant_name_folded = COALESCE(
    (SELECT a.name_folded FROM dossiers_applicant a WHERE a.id = dossiers_dossier.applicant_id),
    ''
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0010_events_partitioned_by_year"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="applicant_name_folded",
            field=models.CharField(blank=True, editable=False, max_length=300),
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
    ]
