"""The checks every piece of collection work starts with: who acts, and which invoices
of one customer it touches, locked against a stale form (optimistic locking)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import Document
from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import Conflict, InvalidValue, NotFound, TotalfactError
from totalfact_tui.domain.journey import OPEN_STATES, State
from totalfact_tui.services import audit
from totalfact_tui.services.access import check_customer
from totalfact_tui.services.audit import Actor


def acting_person(session: Session, username: str | None) -> Actor:
    """The user doing the work: collection work is always done by a person."""
    actor = audit.resolve_actor(session, username)
    if actor.user_id is None:
        raise TotalfactError("action.needs_user")
    return actor


def invoices_for_work(
    session: Session,
    actor: Actor,
    action: str,
    document_ids: Iterable[int],
    versions: Mapping[int, int] | None = None,
    *,
    allowed: frozenset[State] = OPEN_STATES,
) -> tuple[list[Document], int]:
    """The invoices (by id order) and their one customer. Refuses an unknown id, invoices
    of several customers, a customer ``actor`` may not act on (``action`` names what
    was tried, for the audit trail), a ceded invoice, a state outside ``allowed`` and a
    version older than the invoice's (someone changed it since the form was opened)."""
    wanted = sorted(set(document_ids))
    if not wanted:
        raise InvalidValue("action.no_documents")
    # Locked for the rest of the transaction (PostgreSQL; SQLite writes one at a time
    # already): two collectors saving on one invoice queue up instead of one of them
    # failing on a stale version. Always in id order, so that they cannot deadlock.
    documents = list(
        session.scalars(
            select(Document).where(Document.id.in_(wanted)).order_by(Document.id).with_for_update()
        )
    )
    if len(documents) != len(wanted):
        raise NotFound("error.not_found", entity="documento", key=str(wanted))
    customers = {document.customer_id for document in documents}
    if len(customers) != 1:
        raise InvalidValue("action.several_customers")
    (customer_id,) = customers
    versions = versions or {}
    for document in documents:
        expected = versions.get(document.id)
        if expected is not None and expected != document.version:
            raise Conflict(entity="factura", key=str(document.folio))
        if document.ceded:
            raise TotalfactError("work.ceded", folio=document.folio)
        if not document.collectable or document.state not in allowed:
            raise TotalfactError(
                "action.refused", folio=document.folio, state=document.state or "-"
            )
    if customer_id is None:
        raise InvalidValue("action.several_customers")
    check_customer(session, actor, customer_id, action)
    return documents, customer_id


def claim_in_session(
    session: Session, user_id: int | None, documents: Iterable[Document], today: date
) -> None:
    """Mark the group pool items among ``documents`` as being worked by ``user_id``
    today, unless another member already has them today."""
    if user_id is None:
        return
    for document in documents:
        in_pool = document.collector_id is None and document.group_id is not None
        taken = document.claimed_on == today and document.claimed_by_id not in (None, user_id)
        if in_pool and not taken:
            document.claimed_by_id = user_id
            document.claimed_on = today


def claim(database: Database, username: str | None, document_id: int, today: date) -> None:
    """Opening a pool item starts working it: the other members see who has it."""
    with database.read() as session:
        document = session.get(Document, document_id)
        if document is None or document.collector_id is not None or document.group_id is None:
            return  # not a pool item: nothing to write
    with database.write() as session:
        actor = audit.resolve_actor(session, username)
        found = session.get(Document, document_id)
        if found is not None:
            claim_in_session(session, actor.user_id, [found], today)
