"""Demo dossiers of the profile hanam-2020 (`motcua seed hanam-2020 [--dossiers N]`).

After the organisation (`motcua/org/demo.py`) and the catalogue (`motcua/catalog/demo/`):

- `setup`: internal processes, the report's inter-agency chains, officers everywhere;
- `people`: Vietnamese applicants; `org`: the organisation loaded once, in memory;
- `planner` + `life` (+ `showcase`): each dossier is first a *plan* (`plans.Plan`): who,
  where, when, and the timed actions with their officers under the 2025 rules;
- `through_services`: a few hundred plans go through `services.receive`/`submit`/`act`;
- `effects` + `writer`: all others are replayed in memory as the services would change
  the rows, then inserted in bulk;
- `traffic`: N dossier rows, `load` (what the seed command calls).

Nothing here calls a private service function or replaces one: the rules the services keep
private are mirrored in small documented functions (`effects`, `org`), and the tests
(`motcua/demo/tests/`) compare both paths row for row and run the services' validators
over bulk-made dossiers. See docs/demo-data.md.
"""
