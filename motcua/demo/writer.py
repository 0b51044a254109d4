"""The bulk writer: plans replayed in memory (`effects.Replay`), then inserted in bulk.

Codes come from the agencies' daily counters (`codes.format_code`), kept in memory and
saved with each flush so that later receipts, by the services or by the next flush,
continue after them. Rows are inserted with `COPY` (PostgreSQL) or `executemany` (SQLite)
on reserved primary keys, one flush per transaction of about CHUNK_ROWS dossiers."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from types import SimpleNamespace

from django.db import connection
from django.db.models import Q

from motcua.demo.effects import Draft, Replay
from motcua.demo.org import Org
from motcua.demo.plans import Plan
from motcua.dossiers import codes
from motcua.dossiers.models import (
    Applicant,
    Dossier,
    DossierCounter,
    DossierDocument,
    DossierEvent,
    SupplementRequest,
)
from motcua.stats import factcore
from motcua.stats import facts as stats_facts

BATCH = 2_000  # rows per INSERT


class RawTable:
    """What bulk_create stores, without building a model instance and compiling SQL per
    row: `COPY <table> (<columns>) FROM STDIN` on PostgreSQL, `INSERT` with executemany
    elsewhere. Values are given by attname; dates, datetimes and JSON are adapted for the
    backend as Django adapts them."""

    def __init__(self, model, attnames: list[str]):
        ops = connection.ops
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.model, self.fields = model, [fields[a] for a in attnames]
        table = ops.quote_name(model._meta.db_table)
        columns = ", ".join(ops.quote_name(f.column) for f in self.fields)
        self.copy = f"COPY {table} ({columns}) FROM STDIN"
        self.sql = (
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(self.fields))})"
        )
        self.adapt = []
        for i, f in enumerate(self.fields):
            kind = f.get_internal_type()
            if kind == "DateTimeField":
                self.adapt.append((i, ops.adapt_datetimefield_value))
            elif kind == "DateField":
                self.adapt.append((i, ops.adapt_datefield_value))
            elif kind == "JSONField":
                self.adapt.append((i, lambda v, f=f: ops.adapt_json_value(v, f.encoder)))

    def insert(self, rows: list[list]) -> None:
        for row in rows:
            for i, adapt in self.adapt:
                if row[i] is not None:
                    row[i] = adapt(row[i])
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy) as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            for start in range(0, len(rows), BATCH):
                cursor.executemany(self.sql, rows[start : start + BATCH])


def reserve_ids(model, count: int) -> list[int]:
    """`count` primary keys no other row will take: from the sequence on PostgreSQL; past the
    largest id ever given on SQLite (the transaction holds the database's write lock)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"demo traffic in bulk on {connection.vendor}")
        cursor.execute(f'SELECT MAX("id") FROM "{table}"')
        last = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        first = max(last, row[0] if row else 0) + 1
    return list(range(first, first + count))


APPLICANT_COLUMNS = [
    "id",
    "kind",
    "full_name",
    "name_folded",
    "id_number",
    "tax_code",
    "phone",
    "email",
    "address",
]
DOCUMENT_COLUMNS = [
    "dossier_id",
    "required_document_id",
    "name",
    "originals",
    "copies",
    "file",
    "content_type",
    "size",
    "uploaded_at",
]
EVENT_COLUMNS = [
    "dossier_id",
    "at",
    "actor_id",
    "action",
    "from_status",
    "to_status",
    "agency_id",
    "step_id",
    "assignee_id",
    "comment",
    "working_seconds",
    "data",
    "recorded_at",
    "late_entry",
]
# An event's entry time, in `draft.events` (its columns after the dossier's).
AT, RECORDED_AT = EVENT_COLUMNS.index("at") - 1, EVENT_COLUMNS.index("recorded_at") - 1
REQUEST_COLUMNS = [
    "dossier_id",
    "after_receipt",
    "requested_at",
    "requested_by_id",
    "items",
    "reason",
    "restarts_clock",
    "supplemented_at",
    "closed_at",
    "deadline_before",
]


class BulkWriter(Replay):
    """Writes plans in bulk, row for row what the services write."""

    def __init__(self, org: Org):
        super().__init__(org)
        self.counters: dict[tuple[int, date], list] = {}  # -> [last, pk or None, dirty]
        for pk, agency_id, day, last in DossierCounter.objects.values_list(
            "pk", "agency_id", "day", "last"
        ):
            self.counters[(agency_id, day)] = [last, pk, False]
        self.dossier_columns = [f.attname for f in Dossier._meta.concrete_fields]
        self.fee_procedures: set[int] | None = None
        self.tables = {
            "applicants": RawTable(Applicant, APPLICANT_COLUMNS),
            "dossiers": RawTable(Dossier, self.dossier_columns),
            "documents": RawTable(DossierDocument, DOCUMENT_COLUMNS),
            "events": RawTable(DossierEvent, EVENT_COLUMNS),
            "requests": RawTable(SupplementRequest, REQUEST_COLUMNS),
        }
        self.drafts: list[Draft] = []
        self.documents: list[tuple[Draft, dict]] = []

    def write(self, plan: Plan) -> Dossier:
        """Replay the plan in memory; the rows are inserted at the next `flush`."""
        draft = self.receive(plan)
        self.documents += [(draft, doc) for doc in plan.documents]
        for step in plan.steps:
            self.act(draft if step.part is None else draft.parts[step.part], step)
        return draft.dossier

    def code(self, agency, day: date) -> str:
        """The agency's next number of the day (as `services.next_code`)."""
        entry = self.counters.setdefault((agency.pk, day), [0, None, True])
        entry[0] += 1
        entry[2] = True
        return codes.format_code(agency.code, day, entry[0])

    def track(self, draft: Draft) -> None:
        self.drafts.append(draft)

    # - saving -

    def flush(self) -> int:
        """Insert what was written since the last flush, and the counters; returns the
        number of dossier rows."""
        drafts, made = self.drafts, len(self.drafts)
        applicants = list({id(d.applicant): d.applicant for d in drafts}.values())
        for applicant, pk in zip(applicants, reserve_ids(Applicant, len(applicants)), strict=True):
            applicant["id"] = pk
        for draft, pk in zip(drafts, reserve_ids(Dossier, made), strict=True):
            draft.dossier.pk = pk
        rows, events, requests = [], [], []
        documents = defaultdict(list)
        for draft, doc in self.documents:
            documents[id(draft)].append(doc)
        counts, seconds = Counter(), Counter()
        for draft in drafts:
            d = draft.dossier
            d.applicant_id = draft.applicant["id"]
            d.applicant_name_folded = draft.applicant["name_folded"]
            d.parent_id = draft.parent.dossier.pk if draft.parent is not None else None
            d.facts = self.facts(draft, documents[id(draft)], counts, seconds)
            # created_at: the first event; updated_at: the last (the simulated history).
            d.created_at, d.updated_at = draft.first, draft.last
            d.last_entered_at = max(
                (e[RECORDED_AT] or e[AT] for e in draft.events), default=None
            )  # as services._event keeps it
            values = d.__dict__
            rows.append([values[c] for c in self.dossier_columns])
            events += [[d.pk, *event] for event in draft.events]
            requests += [[d.pk, *(r[c] for c in REQUEST_COLUMNS[1:])] for r in draft.requests]
        self.tables["applicants"].insert([[a[c] for c in APPLICANT_COLUMNS] for a in applicants])
        self.tables["dossiers"].insert(rows)
        self.tables["documents"].insert(
            [
                [
                    draft.dossier.pk,
                    doc.get("required_document"),
                    doc.get("name") or "",
                    doc.get("originals", 0),
                    doc.get("copies", 0),
                    "",
                    "",
                    0,
                    draft.first,
                ]
                for draft, doc in self.documents
            ]
        )
        self.tables["events"].insert(events)
        self.tables["requests"].insert(requests)
        stats_facts.add({key: (n, seconds[key]) for key, n in counts.items()})
        self._save_counters()
        self.drafts, self.documents = [], []
        return made

    def facts(self, draft: Draft, documents: list[dict], counts: Counter, seconds: Counter) -> list:
        """What `stats.facts.follow` stores on the row, and adds to the fact table (the
        demo's bulk dossiers have no payments and no exemptions)."""
        d = draft.dossier
        requests = [SimpleNamespace(**r) for r in draft.requests if r["after_receipt"]]
        digitised = bool(documents) and all(doc.get("file") for doc in documents)
        if self.fee_procedures is None:
            self.fee_procedures = stats_facts.fee_procedures()
        has_fees = d.procedure_id in self.fee_procedures
        charged = stats_facts.owes_fees(has_fees, False, d.fee_amount, d.fee_paid, d.status)
        marks = (charged, False)
        facts = factcore.contribution(stats_facts.snapshot(d, requests, digitised, marks))
        for key, (n, s) in facts.items():
            counts[key] += n
            seconds[key] += s
        return factcore.dump(facts)

    def _save_counters(self) -> None:
        new, changed = [], []
        for (agency_id, day), entry in self.counters.items():
            if not entry[2]:
                continue
            row = DossierCounter(pk=entry[1], agency_id=agency_id, day=day, last=entry[0])
            (changed if entry[1] else new).append((row, entry))
            entry[2] = False
        DossierCounter.objects.bulk_create([row for row, _e in new], batch_size=BATCH)
        for row, entry in new:
            entry[1] = row.pk
        DossierCounter.objects.bulk_update([row for row, _e in changed], ["last"], batch_size=500)

    def absorb(self, dossiers) -> None:
        """Learn the counters the services moved while making `dossiers`."""
        keys = set()
        for d in dossiers:
            agency_code, day, _seq = codes.parse_code(d.code)
            keys.add((self.org.by_code[agency_code].pk, day))
        if not keys:
            return
        query = Q()
        for agency_id, day in keys:
            query |= Q(agency_id=agency_id, day=day)
        for pk, agency_id, day, last in DossierCounter.objects.filter(query).values_list(
            "pk", "agency_id", "day", "last"
        ):
            entry = self.counters.setdefault((agency_id, day), [0, None, False])
            entry[0], entry[1] = max(entry[0], last), pk
