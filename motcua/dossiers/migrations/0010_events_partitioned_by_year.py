"""Dossier events partitioned by year on PostgreSQL (dossiers/partitions.py); nothing on
SQLite. Every row, id, index, constraint and trigger is kept; reversible."""

from django.db import migrations


def forward(apps, schema_editor):
    from motcua.dossiers.partitions import convert

    convert(schema_editor.connection, partitioned=True)


def backward(apps, schema_editor):
    from motcua.dossiers.partitions import convert

    convert(schema_editor.connection, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0009_queue_open_indexes")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
