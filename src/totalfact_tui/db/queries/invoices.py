"""Listing documents with their customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import Customer, Document


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


def fetch_invoices(session: Session, filters: InvoiceFilter) -> list[InvoiceRow]:
    rows = []
    for document, customer in session.execute(invoices_query(filters)):
        rows.append(
            InvoiceRow(
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
        )
    return rows
