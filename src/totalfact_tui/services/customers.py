"""Editing a customer's collection settings: email address, language, segment, and
whether it receives reminder emails at all. Audited; imports never overwrite it after."""

from __future__ import annotations

from dataclasses import dataclass

from totalfact_tui.config import normalize_lang
from totalfact_tui.db.models import Customer
from totalfact_tui.db.session import Database
from totalfact_tui.db.types import utcnow
from totalfact_tui.domain.errors import NotFound
from totalfact_tui.services import audit
from totalfact_tui.services.access import check_customer
from totalfact_tui.services.users import validate_email


@dataclass(frozen=True)
class CustomerChanges:
    email: str | None = None
    lang: str | None = None
    segment: str | None = None
    no_email: bool | None = None


def update_customer(
    database: Database, username: str | None, customer_id: int, changes: CustomerChanges
) -> None:
    values: dict[str, object] = {}
    if changes.email is not None:
        values["email"] = validate_email(changes.email) if changes.email.strip() else None
    if changes.lang is not None:
        values["lang"] = normalize_lang(changes.lang)
    if changes.segment is not None:
        values["segment"] = changes.segment.strip() or None
    if changes.no_email is not None:
        values["no_email"] = changes.no_email
    if not values:
        return
    with database.write() as session:
        actor = audit.resolve_actor(session, username)
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFound("error.not_found", entity="cliente", key=str(customer_id))
        check_customer(session, actor, customer.id, "customer")
        before = {name: getattr(customer, name) for name in values}
        for name, value in values.items():
            setattr(customer, name, value)
        customer.edited_by_user = True
        customer.updated_at = utcnow()
        audit.record(session, actor, "customer", customer.id, "update", before=before, after=values)
