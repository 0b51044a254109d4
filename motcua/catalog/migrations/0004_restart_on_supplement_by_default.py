from django.db import migrations, models


def restart_everywhere(apps, schema_editor):
    """Under Nghị định 118/2025 a supplement after receipt restarts the time limit unless the
    procedure's sector law says otherwise; no procedure recorded such an exception before,
    so every procedure takes the new default."""
    Procedure = apps.get_model("catalog", "Procedure")
    Procedure.objects.update(restart_on_supplement=True)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_procedure_same_day_cutoff")]

    operations = [
        migrations.AlterField(
            model_name="procedure",
            name="restart_on_supplement",
            field=models.BooleanField(
                default=True,
                help_text=(
                    "The time limit restarts when the complete dossier comes back after a "
                    "supplement request (the rule since Nghị định 118/2025). Untick for "
                    "procedures whose sector law only pauses the clock for the supplement."
                ),
                verbose_name="restart the clock on supplement",
            ),
        ),
        migrations.RunPython(restart_everywhere, migrations.RunPython.noop),
    ]
