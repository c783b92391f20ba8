"""The data model (SQLAlchemy 2.0, typed). DESIGN.md §3 names every entity here.

Money in CLP is an integer (``BigInteger``); amounts in other currencies are
``Numeric``; timestamps are UTC (:class:`UTCDateTime`); business dates are ``Date``.
Enumerated values are short strings whose allowed values live in the domain layer
(``journey.State``, ``Role``...). Denormalised agenda columns on ``documents``
(``collector_id``, ``group_id``, ``is_open``, ``next_action_date``, ``agenda_reason``)
are maintained by the services in the same transaction as the change that moves them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from totalfact_tui.db.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("collector", "manager", "admin")
DOCUMENT_KINDS = ("receivable", "payable", "misrouted")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), Decimal: Numeric(18, 4), dict[str, Any]: JSON}


def table_of(model: type[Base]) -> Table:
    """A model's table, typed as a ``Table`` (for Core statements and bulk loads)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- metadata


class AppMeta(Base):
    """Small key/value facts about this database (demo marker, seed, build date)."""

    __tablename__ = "app_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class OwnCompany(TimestampMixin, Base):
    """A RUT of ours: documents it issues are receivables, those it receives payables."""

    __tablename__ = "own_companies"
    id: Mapped[int] = mapped_column(primary_key=True)
    rut: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))


# --------------------------------------------------------------------------- people


class User(TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('collector','manager','admin')", name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Group(TimestampMixin, Base):
    """A pool of collectors sharing customers."""

    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(String(400))


class GroupMember(Base):
    __tablename__ = "group_members"
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


# --------------------------------------------------------------------------- customers


class Customer(TimestampMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("collector_id IS NULL OR group_id IS NULL", name="one_owner"),
        UniqueConstraint("rut", "foreign_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Foreign customers share the SII placeholder RUT 55555555-5 and are told apart by
    #: ``foreign_id`` (their own tax id); it is empty for Chilean customers.
    rut: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    segment: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str | None] = mapped_column(String(200))
    commune: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    lang: Mapped[str] = mapped_column(String(8), default="es")
    foreign_id: Mapped[str] = mapped_column(String(60), default="", server_default="")
    collector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    #: Set when a person edits the record: imports then never overwrite it.
    edited_by_user: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The customer asked not to receive reminder emails.
    no_email: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    updated_at: Mapped[datetime | None]
    #: Optimistic locking: a write over an older version is refused (never a lost update).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    __mapper_args__ = {"version_id_col": version}


class Contact(TimestampMixin, Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    mobile: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="manual")
    edited_by_user: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime | None]
    #: Optimistic locking, as for customers and invoices.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    __mapper_args__ = {"version_id_col": version}


class Assignment(TimestampMixin, Base):
    """History of who owned a customer: the current owner is on ``customers``."""

    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    collector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# --------------------------------------------------------------------------- documents


class IngestRecord(TimestampMixin, Base):
    """One source file (or mail attachment) read by the ingest service."""

    __tablename__ = "ingest_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    documents: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Document(TimestampMixin, Base):
    """A DTE: invoice, note, guide... identified by issuer RUT, type and folio."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("issuer_rut", "dte_type", "folio"),
        CheckConstraint("kind IN ('receivable','payable','misrouted')", name="kind"),
        Index(
            "ix_documents_agenda_oldest",
            "collector_id",
            "due_date",
            text("balance DESC"),
            "id",
            "next_action_date",
            # Covering the agenda's totals and by-customer groups (no row visits).
            "customer_id",
            "promise_broken",
            sqlite_where=text("is_open = 1"),
            postgresql_where=text("is_open"),
        ),
        Index(
            "ix_documents_agenda_largest",
            "collector_id",
            text("balance DESC"),
            "due_date",
            "id",
            "next_action_date",
            "customer_id",
            "promise_broken",
            sqlite_where=text("is_open = 1"),
            postgresql_where=text("is_open"),
        ),
        Index(
            "ix_documents_pool_oldest",
            "group_id",
            "due_date",
            text("balance DESC"),
            "id",
            "next_action_date",
            "customer_id",
            "promise_broken",
            sqlite_where=text("is_open = 1 AND collector_id IS NULL"),
            postgresql_where=text("is_open AND collector_id IS NULL"),
        ),
        Index("ix_documents_customer_id_state", "customer_id", "state"),
        # Reports (docs/kpis.md): today's open receivables, covering every column the
        # balance, aging, debtor and customer figures read.
        Index(
            "ix_documents_report_open",
            "customer_id",
            "due_date",
            "balance",
            "issue_date",
            "ceded",
            "state",
            "collector_id",
            sqlite_where=text("kind = 'receivable' AND collectable = 1 AND balance > 0"),
            postgresql_where=text("kind = 'receivable' AND collectable AND balance > 0"),
        ),
        # Payment timing: each paid invoice's dates, looked up by id without its row.
        Index(
            "ix_documents_payment_terms",
            "id",
            "issue_date",
            "due_date",
            "collector_id",
            sqlite_where=text("kind = 'receivable' AND ceded = 0"),
            postgresql_where=text("kind = 'receivable' AND NOT ceded"),
        ),
        # Credit sales of a period (and the last day a document was issued).
        Index(
            "ix_documents_issue_date_sales",
            "issue_date",
            "dte_type",
            "kind",
            "collectable",
            "ceded",
            "total_amount",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_rut: Mapped[str] = mapped_column(String(12))
    dte_type: Mapped[int] = mapped_column(Integer)
    folio: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(12))
    #: Receivable invoices and debit notes that create a debt to collect.
    collectable: Mapped[bool] = mapped_column(Boolean, default=False)
    issuer_name: Mapped[str | None] = mapped_column(String(200))
    receiver_rut: Mapped[str | None] = mapped_column(String(12))
    receiver_name: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    due_date_rule: Mapped[str | None] = mapped_column(String(24))
    payment_form: Mapped[int | None] = mapped_column(Integer)
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)
    payment_terms_text: Mapped[str | None] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(16), default="CLP")
    net_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    exempt_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    total_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Total in ``currency`` when it is not CLP (export documents); CLP figures above.
    total_foreign: Mapped[Decimal | None]
    exchange_rate: Mapped[Decimal | None]
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Journey state (``journey.State``) of collectable receivables; None for documents
    #: without a collection journey (notes, guides, payables, misrouted).
    state: Mapped[str | None] = mapped_column(String(20))
    ceded: Mapped[bool] = mapped_column(Boolean, default=False)
    ceded_to_rut: Mapped[str | None] = mapped_column(String(12))
    # Agenda columns (denormalised; see the module docstring).
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    collector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    #: The absent collector whose agenda item this is while someone covers it
    #: (``totalfact reassign``); None otherwise.
    covered_for_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: A group pool item someone started working (opened or logged) that day: the other
    #: members see who has it.
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_on: Mapped[date | None] = mapped_column(Date)
    next_action_date: Mapped[date | None] = mapped_column(Date)
    agenda_reason: Mapped[str | None] = mapped_column(String(24))
    broken_promises: Mapped[int] = mapped_column(Integer, default=0)
    promise_broken: Mapped[bool] = mapped_column(Boolean, default=False)
    # What an agenda row shows besides the invoice, kept here by the services in the
    # same transaction (so a page is one statement): the last action, the open
    # promise, the first open task's deadline.
    last_action_at: Mapped[datetime | None]
    last_result_code: Mapped[str | None] = mapped_column(String(32))
    last_action_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    open_promise_date: Mapped[date | None] = mapped_column(Date)
    open_promise_amount: Mapped[int | None] = mapped_column(BigInteger)
    first_task_due: Mapped[date | None] = mapped_column(Date)
    conflict: Mapped[str | None] = mapped_column(Text)
    xml_sha256: Mapped[str | None] = mapped_column(String(64))
    ingest_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_records.id"))
    updated_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class DocumentReference(Base):
    """A ``Referencia``: notes to invoices, purchase orders (801), HES..."""

    __tablename__ = "document_references"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    line_no: Mapped[int] = mapped_column(Integer)
    ref_type: Mapped[str] = mapped_column(String(8))
    ref_folio: Mapped[str | None] = mapped_column(String(40))
    #: Folio as a number when ``ref_type`` is a DTE type (``000017`` -> 17).
    ref_folio_number: Mapped[int | None] = mapped_column(BigInteger)
    ref_issuer_rut: Mapped[str | None] = mapped_column(String(12))
    ref_date: Mapped[date | None] = mapped_column(Date)
    ref_code: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))
    target_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    applied: Mapped[bool] = mapped_column(Boolean, default=False)


Index(
    "ix_document_references_pending",
    DocumentReference.ref_type,
    DocumentReference.ref_folio_number,
    sqlite_where=text("target_document_id IS NULL"),
    postgresql_where=text("target_document_id IS NULL"),
)


class DocumentLine(Base):
    __tablename__ = "document_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    line_no: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal | None]
    unit_price: Mapped[Decimal | None]
    amount: Mapped[Decimal] = mapped_column(default=0)


class Installment(Base):
    """One part of an invoice payable in instalments (``MntPagos``)."""

    __tablename__ = "installments"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(String(200))


class DocumentEvent(TimestampMixin, Base):
    """History that is neither an action nor a payment: state changes, receipts, ingest."""

    __tablename__ = "document_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PendingEvent(TimestampMixin, Base):
    """Something that concerns a document that has not arrived yet (a cession, a
    customer's answer, a receipt): applied, then deleted, when the document arrives."""

    __tablename__ = "pending_events"
    __table_args__ = (Index("ix_pending_events_identity", "issuer_rut", "dte_type", "folio"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_rut: Mapped[str] = mapped_column(String(12))
    dte_type: Mapped[int] = mapped_column(Integer)
    folio: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ingest_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_records.id"))


# --------------------------------------------------------------------------- catalogs


class ResultCode(Base):
    """Standardised response of a collection action (editable by admins)."""

    __tablename__ = "result_codes"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label_es: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    next_action_days: Mapped[int | None] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ReasonCode(Base):
    """Why an invoice is not paid yet (editable by admins)."""

    __tablename__ = "reason_codes"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label_es: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Area(Base):
    """A company area that notes and tasks are routed to (ventas, despacho...)."""

    __tablename__ = "areas"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label_es: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# --------------------------------------------------------------------------- collection work


class Action(TimestampMixin, Base):
    """A collection action (gestión): one call or email covering one or more invoices."""

    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_customer_id_occurred_at", "customer_id", "occurred_at"),
        # Reports over a period: calls, contacts, production, contact hours.
        Index(
            "ix_actions_report",
            "occurred_at",
            "channel",
            "result_code",
            "user_id",
            "customer_id",
        ),
        # One user's actions over a period (the customers each collector managed).
        Index("ix_actions_user_occurred", "user_id", "occurred_at", "customer_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    result_code: Mapped[str] = mapped_column(ForeignKey("result_codes.code"))
    reason_code: Mapped[str | None] = mapped_column(ForeignKey("reason_codes.code"))
    next_action_date: Mapped[date | None] = mapped_column(Date)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    #: The absent collector whose agenda item this was, when covering.
    covered_for_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ActionCount(Base):
    """How many actions each user logged per UTC hour, channel and result: kept in the
    same transaction as every action (``db/action_counts.py``), so that period reports
    (contact hours, collector production) add up a few thousand counters instead of
    visiting every action."""

    __tablename__ = "action_counts"
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    result_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    actions: Mapped[int] = mapped_column(Integer, default=0)


class ActionDocument(Base):
    """An invoice an action was about. ``user_id`` and ``occurred_at`` repeat the
    action's (written with it, never changed: actions are not edited), so that "who
    worked this invoice in the period" is read from covering indexes without visiting
    the actions: by invoice (``ix_action_documents_worked``) or by period
    (``ix_action_documents_period``)."""

    __tablename__ = "action_documents"
    __table_args__ = (
        Index("ix_action_documents_worked", "document_id", "occurred_at", "user_id"),
        Index("ix_action_documents_period", "occurred_at", "document_id", "user_id"),
    )
    action_id: Mapped[int] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime | None]


class Promise(TimestampMixin, Base):
    """A promise to pay (compromiso de pago): abierta -> cumplida | parcial | incumplida."""

    __tablename__ = "promises"
    __table_args__ = (
        CheckConstraint(
            "status IN ('abierta','cumplida','parcial','incumplida','cancelada')", name="status"
        ),
        Index("ix_promises_status_promised_date", "status", "promised_date"),
        # Reports: promises made in a period (created when the call took them).
        Index("ix_promises_report", "created_at", "user_id", "status", "amount", "amount_paid"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    promised_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    grace_days: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default="abierta")
    amount_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    evaluated_at: Mapped[datetime | None]


class PromiseDocument(Base):
    __tablename__ = "promise_documents"
    promise_id: Mapped[int] = mapped_column(
        ForeignKey("promises.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Payment(TimestampMixin, Base):
    """Money received (or said to be received) from a customer; never deleted."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(
            "status IN ('confirmed','to_confirm','rejected','reversed')", name="status"
        ),
        Index("ix_payments_paid_on_status", "paid_on", "status", "id"),
        Index("ix_payments_reversed_at", "reversed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), default="confirmed")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reversed_at: Mapped[datetime | None]
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Who confirmed or rejected a payment the customer said was made.
    settled_at: Mapped[datetime | None]
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Hash of the bank-file line it came from: a line is never applied twice.
    import_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    comment: Mapped[str | None] = mapped_column(Text)


class PaymentAllocation(Base):
    """The part of a payment applied to one document. ``paid_on`` and ``confirmed``
    repeat the payment's date and whether its status is confirmed (kept by
    ``services/payments``), so that the money collected in a period is read from one
    covering index (``ix_payment_allocations_collected``) without visiting payments."""

    __tablename__ = "payment_allocations"
    __table_args__ = (
        Index("ix_payment_allocations_payment_cover", "payment_id", "document_id", "amount"),
        Index(
            "ix_payment_allocations_collected",
            "confirmed",
            "paid_on",
            "document_id",
            "amount",
            "id",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    #: NULL only on a row written without it (never by the services; migration 0013
    #: filled the older rows).
    paid_on: Mapped[date | None] = mapped_column(Date)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class Hold(TimestampMixin, Base):
    """A suspension of collection for a customer or one invoice until ``end_date``."""

    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint("customer_id IS NOT NULL OR document_id IS NOT NULL", name="target"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    reason: Mapped[str] = mapped_column(String(400))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Dispute(TimestampMixin, Base):
    """An objection to one or more invoices: open until resolved with an outcome."""

    __tablename__ = "disputes"
    __table_args__ = (
        CheckConstraint("status IN ('open','resolved')", name="status"),
        Index("ix_disputes_customer_id_status", "customer_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    reason_code: Mapped[str] = mapped_column(ForeignKey("reason_codes.code"))
    comment: Mapped[str | None] = mapped_column(Text)
    follow_up_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(32))
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class DisputeDocument(Base):
    __tablename__ = "dispute_documents"
    dispute_id: Mapped[int] = mapped_column(
        ForeignKey("disputes.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CallScript(Base):
    """The short text a collector reads while calling a customer of a segment."""

    __tablename__ = "call_scripts"
    segment: Mapped[str] = mapped_column(String(50), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Note(TimestampMixin, Base):
    """A post-it on an invoice, optionally routed to an area."""

    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"))
    body: Mapped[str] = mapped_column(Text)


class NoteRead(Base):
    __tablename__ = "note_reads"
    note_id: Mapped[int] = mapped_column(
        ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class Task(TimestampMixin, Base):
    """Something another area must do before the customer pays."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("status IN ('open','done','cancelled')", name="status"),
        Index("ix_tasks_status_due_date", "status", "due_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# --------------------------------------------------------------------------- team


class Absence(TimestampMixin, Base):
    __tablename__ = "absences"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Reassignment(TimestampMixin, Base):
    """An absent collector's agenda for some days handed to others (undoable)."""

    __tablename__ = "reassignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    split: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None]


class ReassignmentItem(Base):
    __tablename__ = "reassignment_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    reassignment_id: Mapped[int] = mapped_column(
        ForeignKey("reassignments.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)


# --------------------------------------------------------------------------- mail and audit


class OutboxMessage(TimestampMixin, Base):
    """An email, stored before anything is sent: queued -> sending -> sent | failed."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued','sending','sent','failed','uncertain','cancelled')", name="status"
        ),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    template: Mapped[str | None] = mapped_column(String(64))
    to_addrs: Mapped[str] = mapped_column(Text)
    cc_addrs: Mapped[str | None] = mapped_column(Text)
    bcc_addrs: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(400))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class OutboxDocument(Base):
    __tablename__ = "outbox_documents"
    outbox_id: Mapped[int] = mapped_column(
        ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class MailMessage(TimestampMixin, Base):
    """A message the watcher handled: recorded in the same transaction as its documents,
    so a message is never ingested twice (same Message-ID, or same mailbox, UIDVALIDITY
    and UID) even when the program stops between the commit and the move."""

    __tablename__ = "mail_messages"
    __table_args__ = (
        UniqueConstraint("mailbox", "uidvalidity", "uid"),
        CheckConstraint("status IN ('processed','failed','ignored')", name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    sender: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(400))
    sent_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[int] = mapped_column(Integer, default=0)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    #: The folder it was moved to once the transaction committed (None: not yet / left).
    moved_to: Mapped[str | None] = mapped_column(String(200))


class WatchStatus(Base):
    """What the watcher last did on a mailbox (``totalfact watch --status``, TUI header)."""

    __tablename__ = "watch_status"
    mailbox: Mapped[str] = mapped_column(String(300), primary_key=True)
    last_check_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    messages: Mapped[int] = mapped_column(Integer, default=0)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    failed_messages: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]


class Lease(Base):
    """Who runs a job that must run once at a time (the watcher of a mailbox, the daily
    jobs), until when: a holder renews it while it works; another host takes it over
    once it has expired (``services/leases.py``)."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    holder: Mapped[str] = mapped_column(String(300))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class DunningLog(Base):
    """A cadence step an invoice reached and was reminded of (once per step)."""

    __tablename__ = "dunning_log"
    __table_args__ = (UniqueConstraint("document_id", "step_days"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    step_days: Mapped[int] = mapped_column(Integer)
    run_on: Mapped[date] = mapped_column(Date)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))


class Notification(TimestampMixin, Base):
    """An internal notification queued once (task deadline breached, state changed)."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("kind", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(100))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))


class AuditEntry(Base):
    """Who did what to which record, with the values before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
