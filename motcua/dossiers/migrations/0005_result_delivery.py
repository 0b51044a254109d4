from django.db import migrations, models


class Migration(migrations.Migration):
    """Where the applicant asked to receive the result (online application, eforms app)."""

    dependencies = [
        ("dossiers", "0004_facts_and_entries"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="result_delivery",
            field=models.CharField(
                blank=True,
                choices=[
                    ("desk", "At the one-stop desk"),
                    ("post", "By public postal service"),
                    ("electronic", "Electronically, on the portal"),
                ],
                help_text="Empty: at the desk that received the dossier.",
                max_length=10,
                verbose_name="result returned",
            ),
        ),
        migrations.AddField(
            model_name="dossier",
            name="result_address",
            field=models.CharField(
                blank=True, max_length=500, verbose_name="postal address for the result"
            ),
        ),
    ]
