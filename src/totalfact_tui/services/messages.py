"""Messages to customers composed during a call: emails queued to the outbox (delivery
is the outbox's job) and the text of a WhatsApp reminder. Both are rendered from the
templates with the selected invoices."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import (
    Contact,
    Customer,
    Document,
    DocumentReference,
    OutboxDocument,
    OutboxMessage,
    OwnCompany,
    User,
)
from totalfact_tui.db.session import Database
from totalfact_tui.domain.agenda_rules import days_overdue
from totalfact_tui.domain.dte_types import CREDIT_NOTE_TYPES
from totalfact_tui.domain.errors import InvalidValue, NotFound, TotalfactError
from totalfact_tui.domain.money import format_clp
from totalfact_tui.i18n import format_date, t
from totalfact_tui.mail import render
from totalfact_tui.services import audit
from totalfact_tui.services.audit import Actor
from totalfact_tui.services.templates import template_folders
from totalfact_tui.services.users import validate_email
from totalfact_tui.services.worklist import acting_person, invoices_for_work

#: Email templates offered in the compose form, in this order.
EMAIL_KINDS = (
    "soft_reminder",
    "hard_reminder",
    "preventive_reminder",
    "account_statement",
    "promise_confirmation",
    "payment_received",
)
WHATSAPP_KIND = "whatsapp_reminder"


@dataclass(frozen=True)
class Draft:
    """A rendered email the collector can edit before it is queued."""

    customer_id: int
    document_ids: tuple[int, ...]
    template: str
    to: str
    subject: str
    body: str
    #: The HTML part as rendered; it is sent only while the text is left as rendered
    #: (an edited text would not match it).
    html: str | None = None
    rendered_body: str = ""

    @classmethod
    def of(
        cls,
        customer_id: int,
        documents: list[Document],
        template: str,
        to: str,
        rendered: render.Rendered,
    ) -> Draft:
        """A draft as the template rendered it (nothing edited yet)."""
        return cls(
            customer_id,
            tuple(d.id for d in documents),
            template,
            to,
            rendered.subject,
            rendered.text,
            html=rendered.html,
            rendered_body=rendered.text,
        )


def _filters() -> dict[str, Any]:
    return {"clp": format_clp, "fecha": lambda value: format_date(value) if value else "-"}


def _context(
    session: Session,
    username: str | None,
    document_ids: tuple[int, ...],
    contact_id: int | None,
    today: date,
    promise: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], Customer, Contact | None, list[Document]]:
    actor = acting_person(session, username)
    documents, customer_id = invoices_for_work(session, actor, "email", document_ids)
    if promise is None:
        promise = _open_promise(documents)
    return email_context(session, documents, customer_id, contact_id, actor.user_id, today, promise)


def _open_promise(documents: list[Document]) -> dict[str, Any] | None:
    """The open promise on these invoices (for the promise confirmation)."""
    for document in documents:
        if document.open_promise_date is not None and document.open_promise_amount:
            return {"date": document.open_promise_date, "amount": document.open_promise_amount}
    return None


def email_context(
    session: Session,
    documents: list[Document],
    customer_id: int,
    contact_id: int | None,
    signer_id: int | None,
    today: date,
    promise: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], Customer, Contact | None, list[Document]]:
    """What the templates see: own company, customer, contact, the invoices, the open
    credit notes, the collector who signs (the customer's own when no one acts)."""
    customer = session.get(Customer, customer_id)
    assert customer is not None
    contact = session.get(Contact, contact_id) if contact_id is not None else None
    if contact is not None and contact.customer_id != customer_id:
        raise NotFound("error.not_found", entity="contacto", key=str(contact_id))
    user = session.get(User, signer_id or customer.collector_id or 0)
    company = session.scalars(select(OwnCompany).order_by(OwnCompany.id)).first()
    documents.sort(key=lambda d: (d.due_date or date.max, d.folio))
    invoices = [
        {
            "type": d.dte_type,
            "type_name": t(f"dte.{d.dte_type}") if d.dte_type in _NAMED_TYPES else str(d.dte_type),
            "folio": d.folio,
            "issue_date": d.issue_date,
            "due_date": d.due_date,
            "days_overdue": days_overdue(d.due_date, today) if d.due_date else 0,
            "balance": d.balance,
        }
        for d in documents
    ]
    context = {
        "company": {"name": company.name if company else "", "rut": company.rut if company else ""},
        "customer": {"name": customer.name, "rut": customer.rut},
        "contact": {"name": contact.name, "email": contact.email} if contact else None,
        "invoices": invoices,
        "total": sum(d.balance for d in documents),
        "collector": {
            "name": user.name if user else (company.name if company else ""),
            "email": user.email if user else None,
            "phone": user.phone if user else None,
        },
        "credit_notes": _open_credit_notes(session, customer_id),
        "promise": promise,
        "today": today,
    }
    return context, customer, contact, documents


_NAMED_TYPES = frozenset({33, 34, 46, 56, 61, 110, 111, 112})


def _open_credit_notes(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """Credit notes of the customer not applied to any invoice (money in its favour)."""
    applied = (
        select(DocumentReference.id)
        .where(
            DocumentReference.document_id == Document.id,
            DocumentReference.target_document_id.is_not(None),
        )
        .exists()
    )
    return [
        {"folio": folio, "issue_date": issued, "amount": amount}
        for folio, issued, amount in session.execute(
            select(Document.folio, Document.issue_date, Document.total_amount)
            .where(
                Document.customer_id == customer_id,
                Document.dte_type.in_(CREDIT_NOTE_TYPES),
                Document.kind == "receivable",
                ~applied,
            )
            .order_by(Document.issue_date)
        )
    ]


def render_template(kind: str, lang: str, context: dict[str, Any]) -> render.Rendered:
    try:
        return render.render(template_folders(), kind, lang, context, _filters())
    except render.TemplateMissing:
        raise NotFound("email.no_template", kind=kind) from None
    except Exception as exc:  # a broken admin template: say which and why
        raise TotalfactError("email.template_error", kind=kind, reason=str(exc)) from exc


def _draft_in_session(
    session: Session,
    username: str | None,
    kind: str,
    document_ids: tuple[int, ...],
    contact_id: int | None,
    today: date,
) -> Draft:
    context, customer, contact, documents = _context(
        session, username, document_ids, contact_id, today
    )
    rendered = render_template(kind, customer.lang or "es", context)
    to = (contact.email if contact and contact.email else None) or default_address(
        session, customer
    )
    return Draft.of(customer.id, documents, kind, to, rendered)


def default_address(session: Session, customer: Customer) -> str:
    """The primary contact's email, else any active contact's, else the customer's."""
    found = session.scalars(
        select(Contact.email)
        .where(
            Contact.customer_id == customer.id,
            Contact.active,
            Contact.email.is_not(None),
            Contact.email != "",
        )
        .order_by(Contact.is_primary.desc(), Contact.id)
    ).first()
    return found or customer.email or ""


def draft_email(
    database: Database,
    username: str | None,
    kind: str,
    document_ids: tuple[int, ...],
    contact_id: int | None,
    today: date,
) -> Draft:
    """The email rendered for these invoices, for the collector to read and edit."""
    with database.read() as session:
        return _draft_in_session(session, username, kind, document_ids, contact_id, today)


def _addresses(text: str) -> list[str]:
    parts = [p for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise InvalidValue("email.no_recipient")
    return [validate_email(p) for p in parts]


def new_message_id(session: Session) -> str:
    """A Message-ID given at queue time, short enough never to be folded:
    ``<32 hex digits@<own RUT>.totalfact.invalid>``."""
    sender = session.scalars(select(OwnCompany.rut).order_by(OwnCompany.id)).first()
    return f"<{uuid.uuid4().hex}@{(sender or 'totalfact').replace('-', '')}.totalfact.invalid>"


def queue_in_session(session: Session, actor: Actor, draft: Draft) -> int:
    recipients = _addresses(draft.to)
    subject = " ".join(draft.subject.split())  # no CR/LF can reach a header
    if not subject:
        raise InvalidValue("email.no_subject")
    if not draft.body.strip():
        raise InvalidValue("email.no_body")
    documents, customer_id = invoices_for_work(session, actor, "email", draft.document_ids)
    if customer_id != draft.customer_id:
        raise InvalidValue("action.several_customers")
    message = OutboxMessage(
        message_id=new_message_id(session),
        customer_id=customer_id,
        template=draft.template,
        to_addrs=", ".join(recipients),
        subject=subject,
        body_text=draft.body.strip() + "\n",
        body_html=draft.html if draft.body.strip() == draft.rendered_body.strip() else None,
        created_by_id=actor.user_id,
    )
    session.add(message)
    session.flush()
    session.add_all(OutboxDocument(outbox_id=message.id, document_id=d.id) for d in documents)
    audit.record(
        session,
        actor,
        "outbox",
        message.id,
        "queue",
        after={
            "to": message.to_addrs,
            "template": draft.template,
            "documents": [d.id for d in documents],
        },
    )
    return message.id


def queue_email(database: Database, username: str | None, draft: Draft) -> int:
    """Store the email in the outbox (state ``queued``) with its Message-ID."""
    with database.write() as session:
        return queue_in_session(session, acting_person(session, username), draft)


@dataclass(frozen=True)
class BatchQueued:
    queued: list[int]
    skipped: list[str]  # customers without an email address


def queue_for_selection(
    database: Database,
    username: str | None,
    kind: str,
    document_ids: tuple[int, ...],
    today: date,
) -> BatchQueued:
    """One email per customer listing its selected invoices, all in one transaction;
    customers without an address are skipped (and named)."""
    with database.write() as session:
        actor = acting_person(session, username)
        by_customer: dict[int, list[int]] = {}
        for document_id, customer_id in session.execute(
            select(Document.id, Document.customer_id)
            .where(Document.id.in_(document_ids))
            .order_by(Document.id)
        ):
            by_customer.setdefault(customer_id or 0, []).append(document_id)
        queued: list[int] = []
        skipped: list[str] = []
        for ids in by_customer.values():
            draft = _draft_in_session(session, username, kind, tuple(ids), None, today)
            if not draft.to:
                customer = session.get(Customer, draft.customer_id)
                skipped.append(customer.name if customer else str(draft.customer_id))
                continue
            queued.append(queue_in_session(session, actor, draft))
        return BatchQueued(queued, skipped)


def whatsapp_digits(phone: str) -> str:
    """A phone as wa.me wants it: country code and number, digits only. Chilean
    numbers written without the country code (9 digits) get 56."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if phone.strip().startswith("00"):
        digits = digits[2:]
    if len(digits) == 9:
        digits = "56" + digits
    if len(digits) < 8:
        raise InvalidValue("whatsapp.bad_phone", phone=phone)
    return digits


def whatsapp_link(
    database: Database,
    username: str | None,
    document_ids: tuple[int, ...],
    contact_id: int,
    today: date,
) -> str:
    """The ``https://wa.me/<phone>?text=...`` link with the rendered reminder."""
    with database.read() as session:
        context, customer, contact, _ = _context(session, username, document_ids, contact_id, today)
        if contact is None:
            raise NotFound("error.not_found", entity="contacto", key=str(contact_id))
        phone = contact.mobile or contact.phone
        if not phone:
            raise InvalidValue("whatsapp.no_phone", name=contact.name)
        text = render_template(WHATSAPP_KIND, customer.lang or "es", context).text
    return f"https://wa.me/{whatsapp_digits(phone)}?text={quote(text)}"
