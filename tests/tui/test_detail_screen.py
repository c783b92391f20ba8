"""The invoice detail and the call loop, driven with Textual's pilot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from tests.tui.conftest import TODAY, settle
from totalfact_tui.db.models import (
    Action,
    ActionDocument,
    AuditEntry,
    Contact,
    Document,
    Note,
    Promise,
)
from totalfact_tui.services.actions import ActionForm, log_action
from totalfact_tui.services.database import open_app_database
from totalfact_tui.tui.app import TotalfactApp
from totalfact_tui.tui.modals.contact_form import ContactModal
from totalfact_tui.tui.modals.log_call import LogCallModal
from totalfact_tui.tui.screens.agenda import AgendaScreen
from totalfact_tui.tui.screens.detail import DetailScreen
from totalfact_tui.tui.widgets.agenda_table import AgendaTable

MakeApp = Callable[..., TotalfactApp]


def digit_for(modal: LogCallModal, code: str) -> str:
    return str([entry.code for entry in modal.results].index(code) + 1)


async def type_into(pilot: object, app: TotalfactApp, selector: str, text: str) -> None:
    app.screen.query_one(selector).focus()
    await pilot.press(*text)  # type: ignore[attr-defined]


async def test_no_answer_is_logged_in_four_keys(make_app: MakeApp, demo_url: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(AgendaTable)
        first, second = (key.value for key in list(table.rows)[:2])
        presses = ["enter", "l"]
        await pilot.press(*presses)
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogCallModal)
        digit = digit_for(modal, "no_contesta")
        assert digit == "1"  # the commonest call is the first key
        presses += [digit, "f2"]
        await pilot.press(digit, "f2")
        await settle(pilot)
        assert len(presses) <= 5
        assert isinstance(app.screen, AgendaScreen)
        assert app.screen.query_one(AgendaTable).current_key() == second  # the next row
        assert first not in [k.value for k in app.screen.query_one(AgendaTable).rows]
    database = open_app_database(demo_url)
    document_id = int(str(first)[2:])
    with database.read() as session:
        action = session.scalars(
            select(Action)
            .join(ActionDocument)
            .where(ActionDocument.document_id == document_id)
            .order_by(Action.id.desc())
        ).first()
        assert action is not None and action.result_code == "no_contesta"
        document = session.get(Document, document_id)
        assert document is not None and document.next_action_date == TODAY + timedelta(days=1)
    database.dispose()


async def test_a_promise_leaves_the_agenda_until_its_day_then_breaks(
    make_app: MakeApp, demo_url: str
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        key = app.screen.query_one(AgendaTable).current_key()
        await pilot.press("enter", "l")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogCallModal)
        await pilot.press(digit_for(modal, "promesa_pago"))
        await type_into(pilot, app, "#promise-date", "+3")
        await type_into(pilot, app, "#comment", "Paga el lunes")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)
        assert key not in [k.value for k in app.screen.query_one(AgendaTable).rows]
        await pilot.press(*["right_square_bracket"] * 3)
        await settle(pilot)
        table = app.screen.query_one(AgendaTable)
        assert key in [k.value for k in table.rows]
        assert str(table.get_cell(str(key), "reason")) == "compromiso vence"
    database = open_app_database(demo_url)
    with database.read() as session:
        promise = session.scalars(select(Promise).order_by(Promise.id.desc())).first()
        assert promise is not None
        assert (promise.promised_date, promise.status) == (TODAY + timedelta(days=3), "abierta")
    database.dispose()
    later = make_app(today=TODAY + timedelta(days=5))
    async with later.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = later.screen.query_one(AgendaTable)
        assert str(table.get_cell(str(key), "reason")) == "compromiso incumplido"
        assert "⚠" in str(table.get_cell(str(key), "flags"))


async def test_add_and_edit_a_contact(make_app: MakeApp, demo_url: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        contacts = app.screen.query_one("#contacts")
        before = contacts.row_count
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ContactModal)
        await type_into(pilot, app, "#contact-name", "Rosa Pinto")
        await type_into(pilot, app, "#contact-email", "rosa@")  # invalid
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ContactModal)  # kept open, nothing lost
        assert any("Correo electrónico inválido" in n.message for n in app._notifications)
        await type_into(pilot, app, "#contact-email", "cliente.cl")
        await type_into(pilot, app, "#contact-phone", "+56 9 8765 4321")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.query_one("#contacts").row_count == before + 1
    database = open_app_database(demo_url)
    with database.read() as session:
        contact = session.scalars(select(Contact).where(Contact.name == "Rosa Pinto")).one()
        assert (contact.email, contact.phone, contact.edited_by_user) == (
            "rosa@cliente.cl",
            "+56 9 8765 4321",
            True,
        )
        assert (
            session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "contact")
            )
            == 1
        )
    database.dispose()


async def test_add_a_note(make_app: MakeApp, demo_url: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Enviar copia de la OC")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        history = app.screen.query_one("#history")
        assert any("Enviar copia de la OC" in str(history.get_row(k)[2]) for k in history.rows)
    database = open_app_database(demo_url)
    with database.read() as session:
        assert session.scalars(select(Note).where(Note.body == "Enviar copia de la OC")).one()
    database.dispose()


async def test_a_concurrent_edit_keeps_the_form_and_what_was_typed(
    make_app: MakeApp, demo_url: str
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        key = str(app.screen.query_one(AgendaTable).current_key())
        document_id = int(key[2:])
        await pilot.press("enter", "l")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogCallModal)
        await pilot.press(digit_for(modal, "volver_llamar"))
        await type_into(pilot, app, "#comment", "Llamar a las 15")
        other = open_app_database(demo_url)  # the manager works the same invoice meanwhile
        log_action(other, "jefe", ActionForm((document_id,), "no_contesta"), TODAY)
        other.dispose()
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen is modal  # still open
        assert any("Otro usuario modificó" in n.message for n in app._notifications)
        assert app.screen.query_one("#comment").value == "Llamar a las 15"
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)
    database = open_app_database(demo_url)
    with database.read() as session:
        results = session.scalars(
            select(Action.result_code)
            .join(ActionDocument)
            .where(ActionDocument.document_id == document_id)
            .order_by(Action.id)
        ).all()
        assert results[-2:] == ["no_contesta", "volver_llamar"]
    database.dispose()


async def test_one_call_covers_several_invoices(make_app: MakeApp, demo_url: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        invoices = app.screen.query_one("#invoices")
        assert invoices.row_count >= 2  # the demo's first customer owes several invoices
        await pilot.press("down", "space")
        await settle(pilot)
        assert len(app.screen.selected) == 2  # type: ignore[attr-defined]
        await pilot.press("l")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogCallModal)
        assert len(modal.rows) == 2
        await pilot.press(digit_for(modal, "no_contesta"), "f2")
        await settle(pilot)
    database = open_app_database(demo_url)
    with database.read() as session:
        last = session.scalars(select(Action).order_by(Action.id.desc())).first()
        assert last is not None
        covered = session.scalar(
            select(func.count())
            .select_from(ActionDocument)
            .where(ActionDocument.action_id == last.id)
        )
        assert covered == 2
    database.dispose()


async def test_actions_on_closed_invoices_are_refused(make_app: MakeApp, demo_url: str) -> None:
    database = open_app_database(demo_url)
    with database.read() as session:
        paid = session.scalars(
            select(Document.id).where(Document.state == "pagada", Document.customer_id.is_not(None))
        ).first()
    database.dispose()
    assert paid is not None
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(paid, TODAY))
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert any("No se puede gestionar" in n.message for n in app._notifications)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)


async def test_edit_a_contact_and_type_ahead_results(make_app: MakeApp, demo_url: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        app.screen.query_one("#contacts").focus()
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ContactModal)
        role = app.screen.query_one("#contact-role")
        role.value = ""
        await type_into(pilot, app, "#contact-role", "Tesorería central")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("l")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogCallModal)
        await pilot.press("b", "u")  # "Buzón de voz..."
        await settle(pilot)
        assert modal.result is not None and modal.result.code == "buzon_voz"
    database = open_app_database(demo_url)
    with database.read() as session:
        contact = session.scalars(select(Contact).where(Contact.role == "Tesorería central")).one()
        assert contact.edited_by_user
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "contact", AuditEntry.action == "update")
        ).one()
        assert audit.before is not None and audit.after["role"] == "Tesorería central"
    database.dispose()
