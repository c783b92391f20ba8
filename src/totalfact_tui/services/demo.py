"""A realistic, reproducible demo database, relative to today.

The generator simulates two years of a distributor's receivables: invoices (33/34) to
Chilean customers with payment habits, credit notes, payments and partial payments,
collection actions with results and reasons, kept and broken promises, notes, tasks,
four collectors, a manager, an admin and a pool group. Rows are written with the bulk
loader (driver-level batches or ``COPY``, indexes built after the load), so a million
invoices load in well under three minutes. Agenda columns are set as the agenda rules
of DESIGN.md §4 would leave them: every open receivable has a next-action date.
"""

from __future__ import annotations

import random
import time
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, func, select

from totalfact_tui.db import action_counts, bulk, migrate
from totalfact_tui.db.models import (
    Action,
    ActionDocument,
    AppMeta,
    Assignment,
    Base,
    Contact,
    Customer,
    Document,
    DocumentReference,
    Group,
    GroupMember,
    Note,
    OwnCompany,
    Payment,
    PaymentAllocation,
    Promise,
    PromiseDocument,
    Task,
    User,
    table_of,
)
from totalfact_tui.db.session import Database
from totalfact_tui.domain import rut
from totalfact_tui.domain.agenda_rules import AgendaReason, first_action_date
from totalfact_tui.domain.errors import InvalidValue, TotalfactError
from totalfact_tui.domain.journey import State
from totalfact_tui.services import demo_names as names

OWN_RUT = rut.make(76543210)
OWN_NAME = "Distribuidora Los Andes SpA"
DEMO_GROUP = "Equipo Regiones"
#: (username, name, role, member of the pool group)
DEMO_USERS: tuple[tuple[str, str, str, bool], ...] = (
    ("admin", "Andrea Fuentes", "admin", False),
    ("jefe", "Rodrigo Valenzuela", "manager", False),
    ("cperez", "Carolina Pérez", "collector", False),
    ("mrojas", "Matías Rojas", "collector", False),
    ("jsoto", "Javiera Soto", "collector", True),
    ("vmunoz", "Vicente Muñoz", "collector", True),
)
DEFAULT_COLLECTOR = "cperez"
RESULTS_NO_CONTACT = ("no_contesta", "no_contesta", "buzon_voz", "contacto_ausente")
#: Calls before the last one: mostly nobody answers, as in real collection work.
EARLIER_RESULTS = (
    "no_contesta",
    "buzon_voz",
    "volver_llamar",
    "contactado",
    "contacto_ausente",
    "numero_equivocado",
)
EARLIER_WEIGHTS = (50, 15, 15, 10, 5, 5)
RESULTS_CALLBACK = ("volver_llamar", "contactado", "pide_documento", "no_contesta", "buzon_voz")
RESULT_NEXT_DAYS = {
    "no_contesta": 1,
    "buzon_voz": 1,
    "contacto_ausente": 1,
    "numero_equivocado": 1,
    "volver_llamar": 2,
    "contactado": 7,
    "pide_documento": 3,
    "dice_pagada": 3,
    "objeta_factura": 7,
    "correo_enviado": 3,
}
RESULTS_WITH_REASON = frozenset(
    {"contactado", "promesa_pago", "volver_llamar", "objeta_factura", "pide_documento"}
)
REASONS = (
    "en_nomina_pago",
    "en_nomina_pago",
    "problema_caja",
    "falta_orden_compra",
    "falta_hes",
    "factura_no_recibida",
    "pendiente_aprobacion",
    "sin_motivo",
)
DISPUTE_REASONS = ("reclamo_calidad", "error_factura", "diferencia_precio")
#: Rows buffered per table before they are written.
FLUSH_ROWS = 50_000
#: Share of the open invoices already in collection that are due for action today.
AGENDA_SHARE = 0.45
#: How many more open invoices a customer leaves, by payment habit (for balancing).
OPEN_FACTOR = {"good": 1.0, "slow": 3.0, "bad": 8.0}
PAYMENT_METHODS = ("transfer", "transfer", "transfer", "cheque", "deposit")


@dataclass(frozen=True)
class DemoOptions:
    today: date
    seed: int = 42
    customers: int = 150
    invoices: int = 3000
    timezone: str = "America/Santiago"
    lead_days: int = 3
    grace_days: int = 1


@dataclass
class DemoSummary:
    seed: int
    built_on: str
    created: bool
    customers: int = 0
    contacts: int = 0
    invoices: int = 0
    credit_notes: int = 0
    open_invoices: int = 0
    open_balance: int = 0
    payments: int = 0
    actions: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    promises_open: int = 0
    notes: int = 0
    tasks: int = 0
    agenda: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# --------------------------------------------------------------------------- public API


def build_demo(database: Database, options: DemoOptions, *, reset: bool = False) -> DemoSummary:
    """Fill ``database`` with demo data; a database that already has it is left alone
    unless ``reset`` is given. A database with other data is refused."""
    if options.customers < 10:
        raise InvalidValue("error.demo_size", field="--customers", minimum=10)
    if options.invoices < options.customers:
        raise InvalidValue("error.demo_size", field="--invoices", minimum=options.customers)
    meta = _demo_meta(database)
    if meta and not reset:
        return demo_summary(database, options.today, created=False)
    if not meta and not _is_empty(database):
        raise TotalfactError("error.not_demo_database")
    started = time.perf_counter()
    if meta:
        migrate.downgrade(database, "base")
        migrate.upgrade(database)
    _Generator(options).load(database)
    summary = demo_summary(database, options.today, created=True)
    summary.seconds = time.perf_counter() - started
    return summary


def demo_summary(database: Database, today: date, *, created: bool = False) -> DemoSummary:
    meta = _demo_meta(database)
    with database.read() as session:
        count = session.scalar
        doc = Document
        summary = DemoSummary(
            seed=int(meta.get("demo_seed", "0")),
            built_on=meta.get("demo_built_on", ""),
            created=created,
            customers=count(select(func.count()).select_from(Customer)) or 0,
            contacts=count(select(func.count()).select_from(Contact)) or 0,
            invoices=count(select(func.count()).where(doc.dte_type.in_((33, 34)))) or 0,
            credit_notes=count(select(func.count()).where(doc.dte_type == 61)) or 0,
            open_invoices=count(select(func.count()).where(doc.is_open)) or 0,
            open_balance=count(select(func.coalesce(func.sum(doc.balance), 0)).where(doc.is_open))
            or 0,
            payments=count(select(func.count()).select_from(Payment)) or 0,
            actions=count(select(func.count()).select_from(Action)) or 0,
            notes=count(select(func.count()).select_from(Note)) or 0,
            tasks=count(select(func.count()).select_from(Task)) or 0,
        )
        for status, number in session.execute(
            select(Promise.status, func.count()).group_by(Promise.status)
        ):
            if status == "cumplida":
                summary.promises_kept = number
            elif status == "incumplida":
                summary.promises_broken = number
            elif status == "abierta":
                summary.promises_open = number
        due = (doc.is_open, doc.next_action_date <= today)
        own = dict(
            session.execute(
                select(doc.collector_id, func.count()).where(*due).group_by(doc.collector_id)
            ).all()
        )
        pools = dict(
            session.execute(
                select(doc.group_id, func.count())
                .where(*due, doc.collector_id.is_(None))
                .group_by(doc.group_id)
            ).all()
        )
        members: dict[int, list[int]] = defaultdict(list)
        for group_id, user_id in session.execute(select(GroupMember.group_id, GroupMember.user_id)):
            members[user_id].append(group_id)
        for user_id, username in session.execute(
            select(User.id, User.username).where(User.role == "collector").order_by(User.username)
        ):
            pooled = sum(pools.get(group_id, 0) for group_id in members[user_id])
            summary.agenda[username] = own.get(user_id, 0) + pooled
    return summary


def _demo_meta(database: Database) -> dict[str, str]:
    with database.read() as session:
        rows = session.execute(select(AppMeta.key, AppMeta.value).where(AppMeta.key.like("demo_%")))
        return dict(rows.all())


def _is_empty(database: Database) -> bool:
    with database.read() as session:
        return all(
            session.scalar(select(func.count()).select_from(model)) == 0
            for model in (Document, Customer, User)
        )


# --------------------------------------------------------------------------- generator


@dataclass
class _CustomerProfile:
    id: int
    rut: str
    name: str
    collector_id: int | None
    group_id: int | None
    behaviour: str
    term_days: int
    scale: float
    contact_ids: list[int]
    weight: float


class _Rows:
    """Row buffers per table, flushed in dependency order so foreign keys always hold."""

    def __init__(self, connection: Connection, columns: dict[Table, Sequence[str]]) -> None:
        self.connection = connection
        self.columns = columns
        self.rows: dict[Table, list[tuple[Any, ...]]] = {table: [] for table in columns}
        self.order = [table for table in Base.metadata.sorted_tables if table in columns]

    def add(self, table: Table, *row: Any) -> None:
        self.rows[table].append(row)

    def flush_if_full(self) -> None:
        """Call between whole records (an invoice with its actions), never inside one."""
        if any(len(buffer) >= FLUSH_ROWS for buffer in self.rows.values()):
            self.flush()

    def flush(self) -> None:
        for table in self.order:
            if self.rows[table]:
                bulk.bulk_insert(self.connection, table, self.columns[table], self.rows[table])
                self.rows[table] = []


USERS, GROUPS, MEMBERS, OWN = (
    table_of(User),
    table_of(Group),
    table_of(GroupMember),
    table_of(OwnCompany),
)
CUSTOMERS, CONTACTS, ASSIGNMENTS = table_of(Customer), table_of(Contact), table_of(Assignment)
DOCUMENTS, REFERENCES = table_of(Document), table_of(DocumentReference)
ACTIONS, ACTION_DOCS = table_of(Action), table_of(ActionDocument)
PROMISES, PROMISE_DOCS = table_of(Promise), table_of(PromiseDocument)
PAYMENTS, ALLOCATIONS = table_of(Payment), table_of(PaymentAllocation)
NOTES, TASKS, META = table_of(Note), table_of(Task), table_of(AppMeta)

COLUMNS: dict[Table, Sequence[str]] = {
    META: ("key", "value"),
    OWN: ("id", "rut", "name", "created_at"),
    USERS: (
        "id",
        "username",
        "name",
        "role",
        "email",
        "phone",
        "active",
        "failed_logins",
        "preferences",
        "created_at",
    ),
    GROUPS: ("id", "name", "description", "created_at"),
    MEMBERS: ("group_id", "user_id"),
    CUSTOMERS: (
        "id",
        "rut",
        "name",
        "segment",
        "address",
        "commune",
        "city",
        "email",
        "lang",
        "collector_id",
        "group_id",
        "edited_by_user",
        "created_at",
    ),
    CONTACTS: (
        "id",
        "customer_id",
        "name",
        "role",
        "phone",
        "mobile",
        "email",
        "is_primary",
        "source",
        "edited_by_user",
        "active",
        "created_at",
    ),
    ASSIGNMENTS: ("id", "customer_id", "collector_id", "group_id", "valid_from", "created_at"),
    DOCUMENTS: (
        "id",
        "issuer_rut",
        "dte_type",
        "folio",
        "kind",
        "collectable",
        "issuer_name",
        "receiver_rut",
        "receiver_name",
        "customer_id",
        "issue_date",
        "due_date",
        "due_date_rule",
        "payment_form",
        "payment_terms_days",
        "currency",
        "net_amount",
        "exempt_amount",
        "tax_amount",
        "total_amount",
        "balance",
        "state",
        "ceded",
        "ceded_to_rut",
        "is_open",
        "collector_id",
        "group_id",
        "next_action_date",
        "agenda_reason",
        "broken_promises",
        "promise_broken",
        "last_action_at",
        "last_result_code",
        "last_action_user_id",
        "open_promise_date",
        "open_promise_amount",
        "first_task_due",
        "created_at",
        "version",
    ),
    REFERENCES: (
        "id",
        "document_id",
        "line_no",
        "ref_type",
        "ref_folio",
        "ref_folio_number",
        "ref_issuer_rut",
        "ref_date",
        "ref_code",
        "reason",
        "target_document_id",
        "applied",
    ),
    ACTIONS: (
        "id",
        "customer_id",
        "user_id",
        "occurred_at",
        "channel",
        "contact_id",
        "result_code",
        "reason_code",
        "next_action_date",
        "duration_seconds",
        "comment",
        "created_at",
    ),
    ACTION_DOCS: ("action_id", "document_id", "user_id", "occurred_at"),
    PROMISES: (
        "id",
        "customer_id",
        "action_id",
        "contact_id",
        "user_id",
        "promised_date",
        "amount",
        "grace_days",
        "status",
        "amount_paid",
        "created_at",
    ),
    PROMISE_DOCS: ("promise_id", "document_id"),
    PAYMENTS: (
        "id",
        "customer_id",
        "paid_on",
        "amount",
        "method",
        "reference",
        "status",
        "created_by_id",
        "created_at",
    ),
    ALLOCATIONS: ("id", "payment_id", "document_id", "amount", "paid_on", "confirmed"),
    NOTES: ("id", "document_id", "user_id", "area_code", "body", "created_at"),
    TASKS: (
        "id",
        "document_id",
        "customer_id",
        "description",
        "area_code",
        "assignee_id",
        "due_date",
        "status",
        "created_by_id",
        "completed_at",
        "completed_by_id",
        "created_at",
    ),
}
LOADED_TABLES = (
    DOCUMENTS,
    REFERENCES,
    ACTIONS,
    ACTION_DOCS,
    PROMISES,
    PROMISE_DOCS,
    PAYMENTS,
    ALLOCATIONS,
    CONTACTS,
    CUSTOMERS,
    NOTES,
    TASKS,
    ASSIGNMENTS,
)


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in plain if ch.isalnum())[:24] or "empresa"


class _Generator:
    def __init__(self, options: DemoOptions) -> None:
        self.o = options
        self.rng = random.Random(options.seed)
        self.tz = ZoneInfo(options.timezone)
        self.today = options.today
        self.ids: dict[str, int] = defaultdict(int)
        self.users: dict[str, int] = {}
        self.collectors: list[int] = []
        self.group_members: list[int] = []
        self.folios: dict[int, int] = {33: 1000, 34: 500, 61: 200}
        self.agenda_seen: dict[int, int] = defaultdict(int)
        #: Per invoice, what its agenda row shows (kept on the invoice's row).
        self.last_action: dict[int, tuple[datetime, str, int]] = {}
        self.open_promise: dict[int, tuple[date, int]] = {}
        self.agenda_phase = self.rng.random()

    def next_id(self, kind: str) -> int:
        self.ids[kind] += 1
        return self.ids[kind]

    def at(self, day: date, hour: int | None = None) -> datetime:
        """A working-hours moment of ``day`` (local time), as UTC."""
        hour = self.rng.randint(9, 17) if hour is None else hour
        local = datetime(
            day.year, day.month, day.day, hour, self.rng.randint(0, 59), tzinfo=self.tz
        )
        return local.astimezone(UTC)

    # -- loading -----------------------------------------------------------------
    def load(self, database: Database) -> None:
        writer = database.engine.execution_options(totalfact_begin="IMMEDIATE")
        with writer.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            rows = _Rows(connection, COLUMNS)
            with bulk.indexes_dropped(connection, LOADED_TABLES):
                self.people(rows)
                profiles = self.customers(rows)
                self.invoices(rows, profiles)
                rows.flush()
            action_counts.rebuild(connection)
            for table in COLUMNS:
                bulk.reset_sequence(connection, table)

    def people(self, rows: _Rows) -> None:
        now = self.at(self.today - timedelta(days=730), 9)
        rows.add(OWN, self.next_id("own"), OWN_RUT, OWN_NAME, now)
        group_id = self.next_id("group")
        rows.add(GROUPS, group_id, DEMO_GROUP, "Clientes de regiones (pozo compartido)", now)
        for username, full_name, role, in_pool in DEMO_USERS:
            user_id = self.next_id("user")
            self.users[username] = user_id
            email = f"{username}@losandes.example"
            phone = f"+56 2 2{self.rng.randint(100, 999)} {self.rng.randint(1000, 9999)}"
            rows.add(USERS, user_id, username, full_name, role, email, phone, True, 0, {}, now)
            if role == "collector":
                self.collectors.append(user_id)
            if in_pool:
                rows.add(MEMBERS, group_id, user_id)
                self.group_members.append(user_id)
        self.group_id = group_id
        for key, value in (
            ("demo_seed", str(self.o.seed)),
            ("demo_built_on", self.today.isoformat()),
            ("demo_size", f"{self.o.customers}/{self.o.invoices}"),
            ("demo_default_user", DEFAULT_COLLECTOR),
        ):
            rows.add(META, key, value)

    def customers(self, rows: _Rows) -> list[_CustomerProfile]:
        rng = self.rng
        profiles = []
        used_ruts: set[str] = {OWN_RUT}
        weights = [rng.lognormvariate(0, 0.6) for _ in range(self.o.customers)]
        behaviours = rng.choices(("good", "slow", "bad"), (60, 30, 10), k=self.o.customers)
        # Balance what reaches the agenda: slow and bad payers leave more open invoices.
        owners = self.balanced_owners(
            [w * OPEN_FACTOR[b] for w, b in zip(weights, behaviours, strict=True)]
        )
        since = self.at(self.today - timedelta(days=730), 10)
        for index in range(self.o.customers):
            customer_rut = OWN_RUT
            while customer_rut in used_ruts:
                customer_rut = rut.make(rng.randint(60_000_000, 99_999_999))
            used_ruts.add(customer_rut)
            name = (
                f"{rng.choice(names.COMPANY_KINDS)} {rng.choice(names.COMPANY_WORDS)} "
                f"{rng.choice(names.LEGAL_FORMS)}"
            )
            if rng.random() < 0.4:
                name = (
                    f"{rng.choice(names.COMPANY_KINDS)} {rng.choice(names.LAST_NAMES)} "
                    f"{rng.choice(names.LEGAL_FORMS)}"
                )
            slug = _slug(name.split(" ", 1)[1])
            commune, city = rng.choice(names.COMMUNES)
            owner = owners[index]
            collector_id = owner if owner > 0 else None
            group_id = self.group_id if owner == 0 else None
            customer_id = self.next_id("customer")
            rows.add(
                CUSTOMERS,
                customer_id,
                customer_rut,
                name,
                rng.choice(names.SEGMENTS),
                f"{rng.choice(names.STREETS)} {rng.randint(100, 9999)}",
                commune,
                city,
                f"pagos@{slug}.cl",
                "es",
                collector_id,
                group_id,
                False,
                since,
            )
            rows.add(
                ASSIGNMENTS,
                self.next_id("assignment"),
                customer_id,
                collector_id,
                group_id,
                since,
                since,
            )
            contact_ids = []
            for position in range(rng.choice((2, 3, 4, 4, 5, 6))):
                first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
                contact_id = self.next_id("contact")
                contact_ids.append(contact_id)
                email = f"{_slug(first)[:1]}{_slug(last)}@{slug}.cl"
                rows.add(
                    CONTACTS,
                    contact_id,
                    customer_id,
                    f"{first} {last}",
                    rng.choice(names.CONTACT_ROLES) if position else "Tesorería",
                    f"+56 2 2{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                    f"+56 9 {rng.randint(4000, 9999)} {rng.randint(1000, 9999)}",
                    email,
                    position == 0,
                    "demo",
                    False,
                    True,
                    since,
                )
            behaviour = behaviours[index]
            profiles.append(
                _CustomerProfile(
                    customer_id,
                    customer_rut,
                    name,
                    collector_id,
                    group_id,
                    behaviour,
                    rng.choice((30, 30, 30, 45, 60, 90)),
                    rng.lognormvariate(0, 0.8),
                    contact_ids,
                    weights[index],
                )
            )
        return profiles

    def balanced_owners(self, weights: list[float]) -> list[int]:
        """Owner per customer (a collector's id, or 0 for the pool) so that each collector
        gets a similar share of the invoices and the pool about half a share."""
        shares = {collector: 1.0 for collector in self.collectors}
        shares[0] = 0.35
        load = dict.fromkeys(shares, 0.0)
        owners = [0] * len(weights)
        for index in sorted(range(len(weights)), key=lambda i: -weights[i]):
            owner = min(load, key=lambda key: (load[key] / shares[key], key))
            owners[index] = owner
            load[owner] += weights[index]
        return owners

    def invoices(self, rows: _Rows, profiles: list[_CustomerProfile]) -> None:
        rng = self.rng
        weights = [profile.weight for profile in profiles]
        owners = rng.choices(range(len(profiles)), weights, k=self.o.invoices)
        # Every customer has at least one invoice.
        owners[: len(profiles)] = range(len(profiles))
        ages = sorted(((rng.randint(0, 729), owner) for owner in owners), key=lambda item: -item[0])
        for age, owner in ages:
            self.invoice(rows, profiles[owner], self.today - timedelta(days=age))
            rows.flush_if_full()

    # -- one invoice ---------------------------------------------------------------
    def invoice(self, rows: _Rows, customer: _CustomerProfile, issued: date) -> None:
        rng, today = self.rng, self.today
        dte_type = 33 if rng.random() < 0.85 else 34
        self.folios[dte_type] += 1
        net = max(int(rng.lognormvariate(13.6, 0.9) * customer.scale) // 10 * 10, 10_000)
        tax = round(net * 0.19) if dte_type == 33 else 0
        total = net + tax
        due = issued + timedelta(days=customer.term_days)
        first = first_action_date(due, self.o.lead_days)
        doc_id = self.next_id("document")
        collector = customer.collector_id or rng.choice(self.group_members)
        task_due: date | None = None

        # Credit notes: some correct the amount, a few annul the invoice.
        credit = 0
        annulled = False
        roll = rng.random()
        if roll < 0.025:
            note_day = issued + timedelta(days=rng.randint(1, 25))
            if note_day < today:
                annulled = roll < 0.005
                credit = total if annulled else (total * rng.randint(10, 30) // 100)
                self.credit_note(
                    rows, customer, doc_id, dte_type, issued, note_day, credit, annulled
                )
        due_amount = total - credit

        pay_day = self.payment_day(customer, issued, due)
        state: State
        balance = due_amount
        is_open = False
        next_action: date | None = None
        reason: str | None = None
        broken = 0
        promise_broken = False
        ceded_to = None

        if annulled:
            state = State.ANULADA
            balance = 0
        elif pay_day is not None and pay_day < today:
            state = State.PAGADA
            balance = 0
            broken = self.history_until_paid(
                rows, customer, collector, doc_id, first, pay_day, due_amount
            )
            self.payments(rows, customer, collector, doc_id, issued, pay_day, due_amount)
        else:
            is_open = True
            state = State.VENCIDA if due < today else State.NUEVA
            if due < today and rng.random() < 0.08:
                paid_part = due_amount * rng.randint(20, 60) // 100
                part_day = issued + timedelta(
                    days=rng.randint(1, max((today - issued).days - 1, 1))
                )
                self.payment(
                    rows,
                    customer,
                    collector,
                    doc_id,
                    min(part_day, today - timedelta(days=1)),
                    paid_part,
                )
                balance -= paid_part
                state = State.PAGOS_PARCIALES
            if rng.random() < 0.005:
                state, is_open, ceded_to = State.CEDIDA, False, rng.choice(names.FACTORING)[0]
            elif first > today:
                next_action, reason = first, AgendaReason.FIRST_ACTION
            else:
                state, next_action, reason, broken, promise_broken = self.open_history(
                    rows, customer, collector, doc_id, first, due, balance, state
                )
            if is_open and rng.random() < 0.05:
                rows.add(
                    NOTES,
                    self.next_id("note"),
                    doc_id,
                    collector,
                    rng.choice((None, "ventas", "despacho", "facturacion")),
                    rng.choice(names.NOTE_TEXTS),
                    self.at(today - timedelta(days=rng.randint(0, 20))),
                )
            if is_open and rng.random() < 0.025:
                area, text = rng.choice(names.TASK_TEXTS)
                task_due = today + timedelta(days=rng.randint(-5, 10))
                rows.add(
                    TASKS,
                    self.next_id("task"),
                    doc_id,
                    customer.id,
                    text,
                    area,
                    None,
                    task_due,
                    "open",
                    collector,
                    None,
                    None,
                    self.at(today - timedelta(days=rng.randint(1, 15))),
                )
        rows.add(
            DOCUMENTS,
            doc_id,
            OWN_RUT,
            dte_type,
            self.folios[dte_type],
            "receivable",
            True,
            OWN_NAME,
            customer.rut,
            customer.name,
            customer.id,
            issued,
            due,
            "fch_venc",
            2,
            customer.term_days,
            "CLP",
            net if dte_type == 33 else 0,
            0 if dte_type == 33 else net,
            tax,
            total,
            balance,
            state.value,
            ceded_to is not None,
            ceded_to,
            is_open,
            customer.collector_id,
            customer.group_id,
            next_action,
            reason,
            broken,
            promise_broken,
            *self.last_action.pop(doc_id, (None, None, None)),
            *self.open_promise.pop(doc_id, (None, None)),
            task_due,
            self.at(issued),
            1,
        )

    def payment_day(self, customer: _CustomerProfile, issued: date, due: date) -> date | None:
        rng = self.rng
        if customer.behaviour == "good":
            delay = rng.randint(-12, 10)
        elif customer.behaviour == "slow":
            delay = rng.randint(5, 75)
        else:
            if rng.random() < 0.15:
                return None
            delay = rng.randint(20, 300)
        return max(due + timedelta(days=delay), issued + timedelta(days=1))

    def credit_note(
        self,
        rows: _Rows,
        customer: _CustomerProfile,
        invoice_id: int,
        invoice_type: int,
        issued: date,
        note_day: date,
        amount: int,
        annuls: bool,
    ) -> None:
        self.folios[61] += 1
        note_id = self.next_id("document")
        net = round(amount / 1.19) if invoice_type == 33 else amount
        rows.add(
            DOCUMENTS,
            note_id,
            OWN_RUT,
            61,
            self.folios[61],
            "receivable",
            False,
            OWN_NAME,
            customer.rut,
            customer.name,
            customer.id,
            note_day,
            None,
            None,
            None,
            None,
            "CLP",
            net if invoice_type == 33 else 0,
            0 if invoice_type == 33 else net,
            amount - net,
            amount,
            0,
            None,
            False,
            None,
            False,
            customer.collector_id,
            customer.group_id,
            None,
            None,
            0,
            False,
            None,
            None,
            None,
            None,
            None,
            None,
            self.at(note_day),
            1,
        )
        rows.add(
            REFERENCES,
            self.next_id("reference"),
            note_id,
            1,
            str(invoice_type),
            str(self.folios[invoice_type]),
            self.folios[invoice_type],
            OWN_RUT,
            issued,
            1 if annuls else 3,
            "Anula factura" if annuls else "Corrige monto",
            invoice_id,
            True,
        )

    def payments(
        self,
        rows: _Rows,
        customer: _CustomerProfile,
        collector: int,
        doc_id: int,
        issued: date,
        pay_day: date,
        amount: int,
    ) -> None:
        if self.rng.random() < 0.05 and (pay_day - issued).days > 12:
            first_part = amount * self.rng.randint(30, 60) // 100
            self.payment(
                rows,
                customer,
                collector,
                doc_id,
                pay_day - timedelta(days=self.rng.randint(5, 11)),
                first_part,
            )
            amount -= first_part
        self.payment(rows, customer, collector, doc_id, pay_day, amount)

    def payment(
        self,
        rows: _Rows,
        customer: _CustomerProfile,
        collector: int,
        doc_id: int,
        day: date,
        amount: int,
    ) -> None:
        payment_id = self.next_id("payment")
        method = self.rng.choice(PAYMENT_METHODS)
        reference = (
            f"TRF-{self.rng.randint(10_000_000, 99_999_999)}" if method == "transfer" else None
        )
        rows.add(
            PAYMENTS,
            payment_id,
            customer.id,
            day,
            amount,
            method,
            reference,
            "confirmed",
            collector,
            self.at(day),
        )
        allocation_id = self.next_id("allocation")
        rows.add(ALLOCATIONS, allocation_id, payment_id, doc_id, amount, day, True)

    # -- actions and promises -------------------------------------------------------
    def action(
        self,
        rows: _Rows,
        customer: _CustomerProfile,
        collector: int,
        doc_id: int,
        day: date,
        result: str,
        next_day: date | None,
    ) -> int:
        rng = self.rng
        action_id = self.next_id("action")
        reason = None
        if result in RESULTS_WITH_REASON:
            reason = rng.choice(DISPUTE_REASONS if result == "objeta_factura" else REASONS)
        channel = "email" if result == "correo_enviado" else "phone"
        reached = result not in RESULTS_NO_CONTACT and result != "numero_equivocado"
        duration = rng.randint(60, 420) if reached else rng.randint(15, 45)
        moment = self.at(day)
        rows.add(
            ACTIONS,
            action_id,
            customer.id,
            collector,
            moment,
            channel,
            rng.choice(customer.contact_ids),
            result,
            reason,
            next_day,
            duration if channel == "phone" else None,
            rng.choice(names.COMMENTS[result]) or None,
            moment,
        )
        rows.add(ACTION_DOCS, action_id, doc_id, collector, moment)
        self.last_action[doc_id] = (moment, result, collector)
        return action_id

    def promise(
        self,
        rows: _Rows,
        customer: _CustomerProfile,
        collector: int,
        doc_id: int,
        day: date,
        promised: date,
        amount: int,
        status: str,
        paid: int,
    ) -> None:
        action_id = self.action(rows, customer, collector, doc_id, day, "promesa_pago", promised)
        promise_id = self.next_id("promise")
        rows.add(
            PROMISES,
            promise_id,
            customer.id,
            action_id,
            self.rng.choice(customer.contact_ids),
            collector,
            promised,
            amount,
            self.o.grace_days,
            status,
            paid,
            self.at(day),
        )
        rows.add(PROMISE_DOCS, promise_id, doc_id)
        if status == "abierta":
            self.open_promise[doc_id] = (promised, amount)

    def earlier_calls(
        self,
        rows: _Rows,
        customer: _CustomerProfile,
        collector: int,
        doc_id: int,
        first: date,
        until: date,
        amount: int,
    ) -> int:
        """Calls between the first action date and ``until`` (exclusive); broken promises."""
        rng = self.rng
        span = (until - first).days
        if span < 2:
            return 0
        broken = 0
        days = sorted(rng.sample(range(span), k=min(rng.randint(1, 5), span // 4, span)))
        for offset in days:
            day = first + timedelta(days=offset)
            if rng.random() < 0.12 and (until - day).days > 3:
                promised = day + timedelta(days=rng.randint(1, min(10, (until - day).days - 2)))
                self.promise(
                    rows, customer, collector, doc_id, day, promised, amount, "incumplida", 0
                )
                broken += 1
            else:
                result = rng.choices(EARLIER_RESULTS, EARLIER_WEIGHTS)[0]
                self.action(
                    rows,
                    customer,
                    collector,
                    doc_id,
                    day,
                    result,
                    day + timedelta(days=RESULT_NEXT_DAYS[result]),
                )
        return broken

    def history_until_paid(
        self,
        rows: _Rows,
        customer: _CustomerProfile,
        collector: int,
        doc_id: int,
        first: date,
        pay_day: date,
        amount: int,
    ) -> int:
        if pay_day <= first or self.rng.random() < 0.3:
            return 0
        broken = self.earlier_calls(rows, customer, collector, doc_id, first, pay_day, amount)
        if self.rng.random() < 0.2 and (pay_day - first).days >= 2:
            day = pay_day - timedelta(days=self.rng.randint(1, min(7, (pay_day - first).days)))
            self.promise(
                rows, customer, collector, doc_id, day, pay_day, amount, "cumplida", amount
            )
        return broken

    def agenda_today(self, customer: _CustomerProfile) -> bool:
        """Whether the next open invoice of this owner is due today. A golden-ratio
        sequence per owner (not a coin) keeps each agenda close to its share."""
        owner = customer.collector_id or 0
        self.agenda_seen[owner] += 1
        return (self.agenda_seen[owner] * 0.6180339887 + self.agenda_phase) % 1.0 < AGENDA_SHARE

    def open_history(
        self,
        rows: _Rows,
        customer: _CustomerProfile,
        collector: int,
        doc_id: int,
        first: date,
        due: date,
        balance: int,
        state: State,
    ) -> tuple[State, date, str, int, bool]:
        """Actions of an open invoice already due for action; its agenda columns."""
        rng, today, grace = self.rng, self.today, self.o.grace_days
        overdue_state = (
            state
            if state == State.PAGOS_PARCIALES
            else (State.VENCIDA if due < today else State.NUEVA)
        )
        days_in = (today - first).days
        if days_in == 0 or (days_in <= 10 and rng.random() < 0.3):
            return overdue_state, first, AgendaReason.FIRST_ACTION, 0, False
        latest = max(first, today - timedelta(days=rng.randint(1, 10)))
        latest = min(latest, today - timedelta(days=1))
        broken = self.earlier_calls(rows, customer, collector, doc_id, first, latest, balance)
        if self.agenda_today(customer):
            kind = rng.random()
            if kind < 0.2:
                self.promise(
                    rows, customer, collector, doc_id, latest, today, balance, "abierta", 0
                )
                return State.EN_ESPERA, today, AgendaReason.PROMISE_DUE, broken, False
            if kind < 0.45 and (today - latest).days > grace + 1:
                promised = today - timedelta(days=rng.randint(grace + 1, (today - latest).days))
                self.promise(
                    rows, customer, collector, doc_id, latest, promised, balance, "incumplida", 0
                )
                broken_on = promised + timedelta(days=grace + 1)
                return (
                    overdue_state,
                    min(broken_on, today),
                    AgendaReason.PROMISE_BROKEN,
                    broken + 1,
                    True,
                )
            result = rng.choice(RESULTS_CALLBACK)
            next_day = min(latest + timedelta(days=RESULT_NEXT_DAYS[result]), today)
            self.action(rows, customer, collector, doc_id, latest, result, next_day)
            waiting = (
                State.EN_ESPERA
                if result == "volver_llamar" and state != State.PAGOS_PARCIALES
                else overdue_state
            )
            return waiting, next_day, AgendaReason.CALLBACK, broken, False
        next_day = today + timedelta(days=rng.randint(1, 21))
        kind = rng.random()
        if kind < 0.3:
            self.promise(rows, customer, collector, doc_id, latest, next_day, balance, "abierta", 0)
            return State.EN_ESPERA, next_day, AgendaReason.PROMISE_DUE, broken, False
        if kind < 0.36:
            self.action(rows, customer, collector, doc_id, latest, "objeta_factura", next_day)
            return State.OBJETADA, next_day, AgendaReason.DISPUTE_FOLLOW_UP, broken, False
        if kind < 0.41:
            self.action(rows, customer, collector, doc_id, latest, "dice_pagada", next_day)
            return (
                State.PAGO_POR_CONFIRMAR,
                next_day,
                AgendaReason.PAYMENT_TO_CONFIRM,
                broken,
                False,
            )
        result = rng.choice(("volver_llamar", "contactado", "pide_documento", "correo_enviado"))
        self.action(rows, customer, collector, doc_id, latest, result, next_day)
        waiting = (
            State.EN_ESPERA
            if result == "volver_llamar" and state != State.PAGOS_PARCIALES
            else overdue_state
        )
        return waiting, next_day, AgendaReason.CALLBACK, broken, False
