"""Listing documents with their customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from totalfact_tui.db.models import (
    Customer,
    Document,
    DocumentEvent,
    DocumentReference,
    IngestRecord,
)


@dataclass(frozen=True)
class InvoiceFilter:
    state: str | None = None
    customer_rut: str | None = None
    kind: str | None = None
    limit: int | None = 100


@dataclass(frozen=True)
class InvoiceRow:
    issuer_rut: str
    dte_type: int
    folio: int
    customer_rut: str | None
    customer_name: str | None
    issue_date: date
    due_date: date | None
    total: int
    total_foreign: Decimal | None
    balance: int
    currency: str
    state: str | None
    ceded: bool
    next_action_date: date | None
    kind: str


def invoices_query(filters: InvoiceFilter) -> Select[Document, Customer]:
    query = select(Document, Customer).outerjoin(Customer, Customer.id == Document.customer_id)
    if filters.state:
        query = query.where(Document.state == filters.state)
    if filters.customer_rut:
        query = query.where(Customer.rut == filters.customer_rut)
    if filters.kind:
        query = query.where(Document.kind == filters.kind)
    query = query.order_by(Document.issue_date.desc(), Document.id.desc())
    if filters.limit:
        query = query.limit(filters.limit)
    return query


def _row(document: Document, customer: Customer | None) -> InvoiceRow:
    return InvoiceRow(
        issuer_rut=document.issuer_rut,
        dte_type=document.dte_type,
        folio=document.folio,
        customer_rut=customer.rut if customer else document.receiver_rut,
        customer_name=customer.name if customer else document.receiver_name,
        issue_date=document.issue_date,
        due_date=document.due_date,
        total=document.total_amount,
        total_foreign=document.total_foreign,
        balance=document.balance,
        currency=document.currency,
        state=document.state,
        ceded=document.ceded,
        next_action_date=document.next_action_date,
        kind=document.kind,
    )


def fetch_invoices(session: Session, filters: InvoiceFilter) -> list[InvoiceRow]:
    return [
        _row(document, customer) for document, customer in session.execute(invoices_query(filters))
    ]


@dataclass(frozen=True)
class ReferenceRow:
    ref_type: str
    folio: str | None
    ref_date: date | None
    code: int | None
    reason: str | None
    target: tuple[str, int, int] | None


@dataclass(frozen=True)
class NoteRow:
    dte_type: int
    folio: int
    issue_date: date
    total: int
    code: int | None
    reason: str | None


@dataclass(frozen=True)
class EventRow:
    at: datetime
    kind: str
    details: dict[str, Any]


@dataclass(frozen=True)
class InvoiceDetail:
    row: InvoiceRow
    issuer_name: str | None
    net: int
    exempt: int
    tax: int
    due_date_rule: str | None
    payment_terms_text: str | None
    conflict: str | None
    source: str | None
    agenda_reason: str | None
    references: list[ReferenceRow]
    notes_applied: list[NoteRow]
    events: list[EventRow]


def fetch_invoice(
    session: Session, issuer_rut: str, dte_type: int, folio: int
) -> InvoiceDetail | None:
    found = session.execute(
        select(Document, Customer)
        .outerjoin(Customer, Customer.id == Document.customer_id)
        .where(
            Document.issuer_rut == issuer_rut,
            Document.dte_type == dte_type,
            Document.folio == folio,
        )
    ).first()
    if found is None:
        return None
    document, customer = found
    target = aliased(Document)
    references = [
        ReferenceRow(
            ref.ref_type,
            ref.ref_folio,
            ref.ref_date,
            ref.ref_code,
            ref.reason,
            (t_issuer, t_type, t_folio) if t_issuer is not None else None,
        )
        for ref, t_issuer, t_type, t_folio in session.execute(
            select(DocumentReference, target.issuer_rut, target.dte_type, target.folio)
            .outerjoin(target, target.id == DocumentReference.target_document_id)
            .where(DocumentReference.document_id == document.id)
            .order_by(DocumentReference.line_no)
        )
    ]
    note = aliased(Document)
    notes = [
        NoteRow(n_type, n_folio, n_date, n_total, code, reason)
        for n_type, n_folio, n_date, n_total, code, reason in session.execute(
            select(
                note.dte_type,
                note.folio,
                note.issue_date,
                note.total_amount,
                DocumentReference.ref_code,
                DocumentReference.reason,
            )
            .join(DocumentReference, DocumentReference.document_id == note.id)
            .where(DocumentReference.target_document_id == document.id, note.id != document.id)
            .order_by(note.issue_date, note.id)
        )
    ]
    events = [
        EventRow(event.created_at, event.kind, event.details)
        for event in session.scalars(
            select(DocumentEvent)
            .where(DocumentEvent.document_id == document.id)
            .order_by(DocumentEvent.created_at.desc(), DocumentEvent.id.desc())
        )
    ]
    source = None
    if document.ingest_id is not None:
        source = session.scalar(
            select(IngestRecord.source).where(IngestRecord.id == document.ingest_id)
        )
    return InvoiceDetail(
        row=_row(document, customer),
        issuer_name=document.issuer_name,
        net=document.net_amount,
        exempt=document.exempt_amount,
        tax=document.tax_amount,
        due_date_rule=document.due_date_rule,
        payment_terms_text=document.payment_terms_text,
        conflict=document.conflict,
        source=source,
        agenda_reason=document.agenda_reason,
        references=references,
        notes_applied=notes,
        events=events,
    )
