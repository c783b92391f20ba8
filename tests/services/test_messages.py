"""Emails composed from templates and queued to the outbox; WhatsApp links."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from tests.work_data import TODAY, customer_id, doc_id
from totalfact_tui.db.models import OutboxDocument, OutboxMessage
from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import InvalidValue
from totalfact_tui.services import call_scripts, messages
from totalfact_tui.services.contacts import add_contact


def test_email_lists_the_selected_invoices_and_is_queued(work_db: Database) -> None:
    contact = add_contact(
        work_db, "ana", customer_id(work_db), {"name": "Felipe Barría", "email": "fb@pelambres.cl"}
    )
    ids = (doc_id(work_db, 1), doc_id(work_db, 4))
    draft = messages.draft_email(work_db, "ana", "soft_reminder", ids, contact.id, TODAY)
    assert draft.to == "fb@pelambres.cl"
    assert "recordatorio" in draft.subject.lower()
    assert "N° 1," in draft.body and "N° 4," in draft.body and "N° 2," not in draft.body
    assert "$476.000" in draft.body and "Ana Soto" in draft.body
    edited = replace(draft, body=draft.body + "\nPD: adjunto cartola.")
    outbox_id = messages.queue_email(work_db, "ana", edited)
    with work_db.read() as session:
        message = session.get(OutboxMessage, outbox_id)
        assert message is not None
        assert message.status == "queued" and message.message_id.startswith("<")
        assert "PD: adjunto cartola." in message.body_text
        linked = set(session.scalars(select(OutboxDocument.document_id)))
    assert linked == set(ids)


def test_english_customer_gets_the_english_template(work_db: Database) -> None:
    from totalfact_tui.db.models import Customer

    with work_db.write() as session:
        customer = session.get(Customer, customer_id(work_db))
        assert customer is not None
        customer.lang = "en"
    draft = messages.draft_email(
        work_db, "ana", "account_statement", (doc_id(work_db, 1),), None, TODAY
    )
    assert draft.subject.startswith("Andes: account statement")


def test_no_header_injection_and_addresses_checked(work_db: Database) -> None:
    draft = messages.draft_email(
        work_db, "ana", "hard_reminder", (doc_id(work_db, 1),), None, TODAY
    )
    sneaky = replace(draft, to="pagos@pelambres.cl", subject="Hola\r\nBcc: spy@evil.test")
    outbox_id = messages.queue_email(work_db, "ana", sneaky)
    with work_db.read() as session:
        message = session.get(OutboxMessage, outbox_id)
        assert message is not None
        assert "\n" not in message.subject and "\r" not in message.subject
    with pytest.raises(InvalidValue):
        messages.queue_email(work_db, "ana", replace(draft, to="no es correo"))
    with pytest.raises(InvalidValue):
        messages.queue_email(work_db, "ana", replace(draft, to="a@b.cl\nBcc: x@y.cl"))


def test_whatsapp_link_has_the_phone_and_the_reminder(work_db: Database) -> None:
    contact = add_contact(
        work_db, "ana", customer_id(work_db), {"name": "Felipe", "mobile": "+56 9 8765 4321"}
    )
    link = messages.whatsapp_link(work_db, "ana", (doc_id(work_db, 1),), contact.id, TODAY)
    assert link.startswith("https://wa.me/56987654321?text=")
    text = unquote(link.split("text=", 1)[1])
    assert "Felipe" in text and "$119.000" in text and "N° 1" in text
    assert messages.whatsapp_digits("987654321") == "56987654321"


def test_call_scripts_by_segment_admins_only(work_db: Database) -> None:
    from totalfact_tui.domain.errors import TotalfactError

    call_scripts.set_script(work_db, "admin", "*", "Saludar y confirmar datos.")
    call_scripts.set_script(work_db, "admin", "minería", "Preguntar por la HES.")
    assert call_scripts.script_for(work_db, "minería").body == "Preguntar por la HES."  # type: ignore[union-attr]
    assert call_scripts.script_for(work_db, "retail").body == "Saludar y confirmar datos."  # type: ignore[union-attr]
    with pytest.raises(TotalfactError):
        call_scripts.set_script(work_db, "ana", "retail", "x")


def test_html_part_escapes_customer_text_and_goes_only_unedited(work_db: Database) -> None:
    from totalfact_tui.db.models import Customer

    with work_db.write() as session:
        customer = session.get(Customer, customer_id(work_db))
        assert customer is not None
        customer.name = "<script>alert('x')</script> & Cía."
    ids = (doc_id(work_db, 1),)
    draft = messages.draft_email(work_db, "ana", "soft_reminder", ids, None, TODAY)
    assert draft.html is not None
    assert "&lt;script&gt;" in draft.html and "<script>" not in draft.html
    assert "&amp; Cía." in draft.html and "<table" in draft.html
    assert "<script>alert('x')</script> & Cía." in draft.body  # the text part is text
    unedited = messages.queue_email(work_db, "ana", replace(draft, to="a@b.cl"))
    edited = messages.queue_email(work_db, "ana", replace(draft, to="a@b.cl", body="Otro texto"))
    with work_db.read() as session:
        first = session.get(OutboxMessage, unedited)
        second = session.get(OutboxMessage, edited)
        assert first is not None and second is not None
        assert first.body_html == draft.html and second.body_html is None


def test_promise_confirmation_names_the_promise(work_db: Database) -> None:
    from datetime import timedelta

    from totalfact_tui.services.actions import ActionForm, log_action

    promised = TODAY + timedelta(days=4)
    log_action(
        work_db,
        "ana",
        ActionForm((doc_id(work_db, 1),), "promesa_pago", promise_date=promised),
        TODAY,
    )
    draft = messages.draft_email(
        work_db, "ana", "promise_confirmation", (doc_id(work_db, 1),), None, TODAY
    )
    assert "$119.000 el 06-03-2026" in draft.body
