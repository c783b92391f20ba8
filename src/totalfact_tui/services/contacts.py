"""A customer's contacts: added and edited by people, audited, never overwritten by
imports afterwards."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import Contact, Customer
from totalfact_tui.db.session import Database, reading
from totalfact_tui.db.types import utcnow
from totalfact_tui.domain.errors import Conflict, InvalidValue, NotFound
from totalfact_tui.services import audit
from totalfact_tui.services.access import check_customer
from totalfact_tui.services.users import validate_email

_PHONE = re.compile(r"^\+?[\d\s().-]+$")
FIELDS = ("name", "role", "phone", "mobile", "email")


@dataclass(frozen=True)
class ContactView:
    id: int
    customer_id: int
    name: str
    role: str | None
    phone: str | None
    mobile: str | None
    email: str | None
    is_primary: bool
    version: int = 1


def _view(contact: Contact) -> ContactView:
    return ContactView(
        contact.id,
        contact.customer_id,
        contact.name,
        contact.role,
        contact.phone,
        contact.mobile,
        contact.email,
        contact.is_primary,
        contact.version,
    )


def validate_phone(value: str) -> str:
    clean = " ".join(value.split())
    digits = sum(ch.isdigit() for ch in clean)
    if not _PHONE.match(clean) or not 7 <= digits <= 15:
        raise InvalidValue("contact.bad_phone", value=value)
    return clean


def _clean(values: dict[str, str | None]) -> dict[str, str | None]:
    clean: dict[str, str | None] = {}
    for key in FIELDS:
        raw = (values.get(key) or "").strip()
        if key in ("phone", "mobile") and raw:
            clean[key] = validate_phone(raw)
        elif key == "email" and raw:
            clean[key] = validate_email(raw)
        else:
            clean[key] = raw or None
    if not clean["name"]:
        raise InvalidValue("contact.name_required")
    return clean


def list_contacts(database: Database | Session, customer_id: int) -> list[ContactView]:
    with reading(database) as session:
        return [
            _view(c)
            for c in session.scalars(
                select(Contact)
                .where(Contact.customer_id == customer_id, Contact.active)
                .order_by(Contact.is_primary.desc(), Contact.name)
            )
        ]


def add_contact(
    database: Database, username: str | None, customer_id: int, values: dict[str, str | None]
) -> ContactView:
    clean = _clean(values)
    with database.write() as session:
        actor = audit.resolve_actor(session, username)
        if session.get(Customer, customer_id) is None:
            raise NotFound("error.not_found", entity="cliente", key=str(customer_id))
        check_customer(session, actor, customer_id, "contact")
        contact = Contact(customer_id=customer_id, source="manual", edited_by_user=True, **clean)
        session.add(contact)
        session.flush()
        audit.record(session, actor, "contact", contact.id, "create", after=dict(clean))
        return _view(contact)


def edit_contact(
    database: Database,
    username: str | None,
    contact_id: int,
    values: dict[str, str | None],
    version: int | None = None,
) -> ContactView:
    """Change a contact; ``version`` is the one the form was opened on: if someone saved
    the contact since, nothing is written and the conflict is reported."""
    clean = _clean(values)
    with database.write() as session:
        actor = audit.resolve_actor(session, username)
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise NotFound("error.not_found", entity="contacto", key=str(contact_id))
        check_customer(session, actor, contact.customer_id, "contact")
        if version is not None and version != contact.version:
            raise Conflict(entity="contacto", key=contact.name)
        before = {key: getattr(contact, key) for key in FIELDS}
        for key, value in clean.items():
            setattr(contact, key, value)
        contact.edited_by_user = True
        contact.updated_at = utcnow()
        audit.record(session, actor, "contact", contact.id, "update", before=before, after=clean)
        return _view(contact)


def contact_version(database: Database, contact_id: int) -> int | None:
    with database.read() as session:
        return session.scalar(select(Contact.version).where(Contact.id == contact_id))
