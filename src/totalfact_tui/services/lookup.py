"""Go to a customer or an invoice by typing part of its name, RUT or folio (the
command palette's type-ahead)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, cast, func, or_, select

from totalfact_tui.db.models import Customer, Document
from totalfact_tui.db.session import Database


def customer_matches(text: str) -> ColumnElement[bool]:
    """Customers whose name contains ``text``, or whose RUT starts with it (typed with
    or without dots)."""
    compact = text.replace(".", "").replace(" ", "").upper()
    options: list[ColumnElement[bool]] = [Customer.name.ilike(f"%{text}%")]
    if compact[:1].isdigit():
        options.append(Customer.rut.like(f"{compact}%"))
    return or_(*options)


@dataclass(frozen=True)
class LookupHit:
    kind: str  # customer | invoice
    document_id: int  # the invoice to open (a customer's oldest open one)
    customer_name: str
    customer_rut: str
    dte_type: int | None = None
    folio: int | None = None
    balance: int = 0
    open_invoices: int = 0


def find(database: Database, text: str, limit: int = 15) -> list[LookupHit]:
    """Open invoices whose folio starts with the digits typed, and customers (with open
    invoices) whose name contains the text or whose RUT starts with it."""
    query = text.strip()
    if len(query) < 2:
        return []
    hits: list[LookupHit] = []
    with database.read() as session:
        if query.isdigit():
            for document, name, customer_rut in session.execute(
                select(Document, Customer.name, Customer.rut)
                .join(Customer, Customer.id == Document.customer_id)
                .where(Document.is_open, cast(Document.folio, String).like(f"{query}%"))
                .order_by(Document.folio)
                .limit(limit)
            ):
                hits.append(
                    LookupHit(
                        "invoice",
                        document.id,
                        name,
                        customer_rut,
                        document.dte_type,
                        document.folio,
                        document.balance,
                    )
                )
        matches = customer_matches(query)
        first_open = (
            select(
                Document.customer_id,
                func.min(Document.id).label("document_id"),
                func.count().label("open_invoices"),
                func.sum(Document.balance).label("balance"),
            )
            .where(Document.is_open)
            .group_by(Document.customer_id)
            .subquery()
        )
        for name, customer_rut, document_id, count, balance in session.execute(
            select(
                Customer.name,
                Customer.rut,
                first_open.c.document_id,
                first_open.c.open_invoices,
                first_open.c.balance,
            )
            .join(first_open, first_open.c.customer_id == Customer.id)
            .where(matches)
            .order_by(Customer.name)
            .limit(limit)
        ):
            hits.append(
                LookupHit(
                    "customer",
                    document_id,
                    name,
                    customer_rut,
                    balance=int(balance or 0),
                    open_invoices=int(count),
                )
            )
    return hits[:limit]
