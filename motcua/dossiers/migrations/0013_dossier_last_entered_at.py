"""When the last thing was entered on each dossier, kept on its row (services._event) so
that the work queue's stale block reads no events (docs/performance.md)."""

from django.db import migrations, models

# Both databases (UPDATE … FROM: PostgreSQL, and SQLite since 3.33): one grouped pass over
# the events, not one subquery per dossier.
FILL = """
UPDATE dossiers_dossier SET last_entered_at = entered.at
FROM (
    SELECT dossier_id, MAX(COALESCE(recorded_at, at)) AS at
    FROM dossiers_dossierevent GROUP BY dossier_id
) AS entered
WHERE entered.dossier_id = dossiers_dossier.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0012_event_action_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="last_entered_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
    ]
