"""Reading invoices (documents) for lists and exports."""

from __future__ import annotations

from sqlalchemy import select

from totalfact_tui.db.models import DOCUMENT_KINDS, Customer, Document
from totalfact_tui.db.queries.invoices import (
    InvoiceDetail,
    InvoiceFilter,
    InvoiceRow,
    fetch_invoice,
    fetch_invoices,
)
from totalfact_tui.db.session import Database
from totalfact_tui.domain import rut
from totalfact_tui.domain.errors import InvalidValue, NotFound
from totalfact_tui.domain.journey import State

__all__ = [
    "InvoiceDetail",
    "InvoiceFilter",
    "InvoiceRow",
    "get_document_id",
    "get_invoice",
    "list_invoices",
    "make_filter",
]


def make_filter(
    state: str | None = None,
    customer_rut: str | None = None,
    kind: str | None = None,
    limit: int | None = 100,
) -> InvoiceFilter:
    """Validate user-given filter values into an :class:`InvoiceFilter`."""
    if state is not None and state not in {s.value for s in State}:
        raise InvalidValue(
            "error.bad_state", state=state, choices=", ".join(s.value for s in State)
        )
    if kind is not None and kind not in DOCUMENT_KINDS[:2]:
        raise InvalidValue("error.bad_kind", kind=kind)
    if limit is not None and limit < 0:
        raise InvalidValue(field="--limit", value=limit)
    return InvoiceFilter(
        state=state,
        customer_rut=rut.normalize(customer_rut) if customer_rut else None,
        kind=kind,
        limit=limit or None,
    )


def list_invoices(database: Database, filters: InvoiceFilter) -> list[InvoiceRow]:
    with database.read() as session:
        return fetch_invoices(session, filters)


def get_invoice(database: Database, issuer_rut: str, dte_type: int, folio: int) -> InvoiceDetail:
    issuer = rut.normalize(issuer_rut)
    with database.read() as session:
        detail = fetch_invoice(session, issuer, dte_type, folio)
    if detail is None:
        raise NotFound(
            "invoice.not_found", issuer=rut.format_rut(issuer), dte_type=dte_type, folio=folio
        )
    return detail


def get_document_id(database: Database, issuer_rut: str, dte_type: int, folio: int) -> int:
    """The id of a document by its identity (issuer RUT, type, folio)."""
    issuer = rut.normalize(issuer_rut)
    with database.read() as session:
        found = session.scalar(
            select(Document.id).where(
                Document.issuer_rut == issuer,
                Document.dte_type == dte_type,
                Document.folio == folio,
            )
        )
    if found is None:
        raise NotFound(
            "invoice.not_found", issuer=rut.format_rut(issuer), dte_type=dte_type, folio=folio
        )
    return found


def current_versions(database: Database, document_ids: list[int]) -> dict[int, int]:
    """The documents' versions now (a form takes them after a conflict)."""
    with database.read() as session:
        return dict(
            session.execute(
                select(Document.id, Document.version).where(Document.id.in_(document_ids))
            ).all()
        )


def customer_id_by_rut(database: Database, customer_rut: str) -> int:
    """The customer with this RUT (foreign customers share a placeholder RUT and must be
    reached through one of their invoices instead)."""
    normalized = rut.normalize(customer_rut)
    with database.read() as session:
        found = list(session.scalars(select(Customer.id).where(Customer.rut == normalized)))
    if not found:
        raise NotFound("error.not_found", entity="cliente", key=rut.format_rut(normalized))
    if len(found) > 1:
        raise InvalidValue("customer.ambiguous_rut", value=rut.format_rut(normalized))
    return found[0]
