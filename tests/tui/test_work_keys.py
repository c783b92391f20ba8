"""The work keys of the detail and agenda screens (issue 5), driven with the pilot and
checked on the screen and in the database."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tests.tui.conftest import TODAY, settle
from totalfact_tui.db.models import (
    Action,
    Customer,
    Dispute,
    Document,
    OutboxDocument,
    OutboxMessage,
    Payment,
    Task,
    User,
)
from totalfact_tui.db.session import Database
from totalfact_tui.services.database import open_app_database
from totalfact_tui.tui.app import TotalfactApp
from totalfact_tui.tui.modals.item_actions import ItemActionsModal
from totalfact_tui.tui.modals.log_call import LogCallModal
from totalfact_tui.tui.screens.agenda import AgendaScreen
from totalfact_tui.tui.screens.detail import DetailScreen
from totalfact_tui.tui.widgets.agenda_table import AgendaTable

MakeApp = Callable[..., TotalfactApp]
OPEN = ("nueva", "vencida", "pagos_parciales")


def customer_with_invoices(url: str, count: int = 3) -> list[int]:
    """Open invoices (oldest due first) of a customer of cperez with at least ``count``."""
    database = open_app_database(url)
    with database.read() as session:
        user_id = session.scalars(select(User.id).where(User.username == "cperez")).one()
        eligible = (
            select(Document.customer_id)
            .where(
                Document.is_open,
                Document.collector_id == user_id,
                Document.state.in_(OPEN),
                ~Document.ceded,
            )
            .group_by(Document.customer_id)
            .having(func.count() >= count)
            .order_by(Document.customer_id)
            .limit(1)
        )
        customer_id = session.scalars(eligible).one()
        ids = session.scalars(
            select(Document.id)
            .where(Document.customer_id == customer_id, Document.is_open, Document.state.in_(OPEN))
            .order_by(Document.due_date, Document.id)
        ).all()
    database.dispose()
    return list(ids)


def read(url: str, query: Callable[[Any], Any]) -> Any:
    database: Database = open_app_database(url)
    try:
        with database.read() as session:
            return query(session)
    finally:
        database.dispose()


def doc(url: str, document_id: int) -> Document:
    return read(url, lambda s: s.get(Document, document_id))


def invoice_with_a_mobile_contact(url: str) -> int:
    """An open invoice of cperez whose customer has the contact Aaron Pagos (a mobile)."""
    from totalfact_tui.services.contacts import add_contact

    first = customer_with_invoices(url, 1)[0]
    database = open_app_database(url)
    add_contact(
        database,
        "cperez",
        doc(url, first).customer_id,
        {"name": "Aaron Pagos", "mobile": "+56 9 1111 2222"},
    )
    database.dispose()
    return first


def recording_program(script: Path, record: Path) -> None:
    """A stand-in softphone or opener: writes its argument to ``record``."""
    script.write_text(
        f"import sys, pathlib\npathlib.Path({str(record)!r}).write_text(sys.argv[1])\n"
    )


def focus_contact(screen: DetailScreen, name: str) -> int:
    """Put the cursor of the contacts list on ``name``; its row."""
    contacts = screen.query_one("#contacts")
    contacts.focus()
    row = [c.name for c in screen.view.contacts].index(name)  # type: ignore[union-attr]
    contacts.move_cursor(row=row)  # type: ignore[attr-defined]
    return row


async def open_detail(pilot: Any, app: TotalfactApp, document_id: int) -> DetailScreen:
    await settle(pilot)
    app.open_invoice(document_id)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, DetailScreen)
    return screen


async def fill(pilot: Any, app: TotalfactApp, selector: str, text: str) -> None:
    from textual.widgets import Input

    field = app.screen.query_one(selector, Input)
    field.value = ""
    field.focus()
    await pilot.press(*text)


async def select_rows(pilot: Any, screen: DetailScreen, ids: list[int]) -> None:
    from textual.widgets import DataTable

    table = screen.query_one("#invoices", DataTable)
    table.focus()
    for document_id in ids:
        if document_id not in screen.selected:
            table.move_cursor(row=table.get_row_index(str(document_id)))
            await pilot.press("space")


async def test_partial_payment_then_the_rest(make_app: MakeApp, demo_url: str) -> None:
    first = customer_with_invoices(demo_url, 1)[0]
    balance = doc(demo_url, first).balance
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(pilot, app, first)
        await pilot.press("p")
        await settle(pilot)
        await fill(pilot, app, "#amount", str(balance - 1000))
        await fill(pilot, app, "#reference", "TRF 77")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert (doc(demo_url, first).balance, doc(demo_url, first).state) == (
            1000,
            "pagos_parciales",
        )
        history = app.screen.query_one("#history")
        assert any("TRF 77" in str(history.get_row(k)[2]) for k in history.rows)  # type: ignore[attr-defined]
        await pilot.press("p")
        await settle(pilot)
        from textual.widgets import Input

        assert app.screen.query_one("#amount", Input).value == "1000"  # defaults to the balance
        await pilot.press("ctrl+s")
        await settle(pilot)
        paid = doc(demo_url, first)
        assert (paid.balance, paid.state, paid.is_open) == (0, "pagada", False)
        await pilot.press("escape")
        await settle(pilot)
        table = app.screen.query_one(AgendaTable)
        assert f"d:{first}" not in [k.value for k in table.rows]


async def test_payment_split_over_three_invoices(make_app: MakeApp, demo_url: str) -> None:
    ids = customer_with_invoices(demo_url, 3)[:3]
    balances = [doc(demo_url, i).balance for i in ids]
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_detail(pilot, app, ids[2])
        await select_rows(pilot, screen, ids)
        await pilot.press("p")
        await settle(pilot)
        amount = balances[0] + balances[1] + 1_000
        await fill(pilot, app, "#amount", str(amount))
        from textual.widgets import Input

        parts = [app.screen.query_one(f"#part-{i}", Input).value for i in ids]
        assert parts == [str(balances[0]), str(balances[1]), "1000"]  # oldest first
        await pilot.press("ctrl+s")
        await settle(pilot)
    states = [doc(demo_url, i).state for i in ids]
    assert states[:2] == ["pagada", "pagada"] and states[2] == "pagos_parciales"
    assert doc(demo_url, ids[2]).balance == balances[2] - 1_000
    payments = read(
        demo_url, lambda s: s.scalars(select(Payment).where(Payment.amount == amount)).all()
    )
    assert len(payments) == 1


async def test_to_confirm_then_confirm_and_reverse(make_app: MakeApp, demo_url: str) -> None:
    first = customer_with_invoices(demo_url, 1)[0]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(pilot, app, first)
        await pilot.press("p")
        await settle(pilot)
        app.screen.query_one("#to-confirm").value = True  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert doc(demo_url, first).state == "pago_por_confirmar"
        status = str(app.screen.query_one("#customer-status").render())
        assert "por confirmar" in status
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, ItemActionsModal)
        await pilot.press("c")
        await settle(pilot)
        assert doc(demo_url, first).state == "pagada"
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ItemActionsModal)
        await fill(pilot, app, "#items-comment", "cheque protestado")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
    back = doc(demo_url, first)
    assert back.state in ("vencida", "nueva") and back.balance > 0 and back.is_open
    statuses = read(demo_url, lambda s: s.scalars(select(Payment.status)).all())
    assert "reversed" in statuses  # kept, never deleted


async def test_dispute_open_and_resolve(make_app: MakeApp, demo_url: str) -> None:
    first = customer_with_invoices(demo_url, 1)[0]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(pilot, app, first)
        await pilot.press("d")
        await settle(pilot)
        from textual.widgets import Select

        app.screen.query_one("#dispute-reason", Select).value = "diferencia_precio"
        app.screen.query_one("#dispute-area", Select).value = "ventas"
        await fill(pilot, app, "#dispute-comment", "Precio distinto a la OC")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert doc(demo_url, first).state == "objetada"
        assert doc(demo_url, first).next_action_date == TODAY + timedelta(days=7)
        await pilot.press("D")
        await settle(pilot)
        app.screen.query_one("#outcome", Select).value = "credit_note_expected"
        await pilot.press("ctrl+s")
        await settle(pilot)
    resolved = doc(demo_url, first)
    assert resolved.state in ("vencida", "nueva") and resolved.agenda_reason == "dispute_resolved"
    dispute = read(demo_url, lambda s: s.scalars(select(Dispute)).one())
    assert (dispute.status, dispute.outcome, dispute.task_id is not None) == (
        "resolved",
        "credit_note_expected",
        True,
    )


async def test_hold_that_expires(make_app: MakeApp, demo_url: str) -> None:
    first = customer_with_invoices(demo_url, 1)[0]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(pilot, app, first)
        await pilot.press("h")
        await settle(pilot)
        await fill(pilot, app, "#hold-until", "+5")
        await fill(pilot, app, "#hold-reason", "Paga a fin de mes")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "suspendida" in str(app.screen.query_one("#customer-status").render())
        await pilot.press("escape")
        await settle(pilot)
        keys = [k.value for k in app.screen.query_one(AgendaTable).rows]
        assert f"d:{first}" not in keys
    later = make_app(today=TODAY + timedelta(days=5))
    async with later.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = later.screen.query_one(AgendaTable)
        later.screen.query_one(AgendaTable)
        assert isinstance(later.screen, AgendaScreen)
        later.screen.filters = later.screen.filters.__class__(
            customer_id=doc(demo_url, first).customer_id
        )
        later.screen.reload()
        await settle(pilot)
        assert str(table.get_cell(f"d:{first}", "reason")) == "fin de suspensión"


async def test_task_overdue_flag(make_app: MakeApp, demo_url: str) -> None:
    first = customer_with_invoices(demo_url, 1)[0]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(pilot, app, first)
        await pilot.press("k")
        await settle(pilot)
        await fill(pilot, app, "#task-description", "Reemitir con OC")
        from textual.widgets import Select

        app.screen.query_one("#task-area", Select).value = "facturacion"
        await fill(pilot, app, "#task-due", "+2")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert doc(demo_url, first).first_task_due == TODAY + timedelta(days=2)
    later = make_app(today=TODAY + timedelta(days=3))
    async with later.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, later, first)
        flags = str(screen.query_one("#invoices").get_cell(str(first), "flags"))  # type: ignore[attr-defined]
        assert "☒" in flags
        assert "atrasada" in str(screen.query_one("#customer-status").render())
        await pilot.press("K")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
    task = read(demo_url, lambda s: s.scalars(select(Task).order_by(Task.id.desc())).first())
    assert task.status == "done"


async def test_email_queued_with_the_selected_invoices(make_app: MakeApp, demo_url: str) -> None:
    ids = customer_with_invoices(demo_url, 2)[:2]
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_detail(pilot, app, ids[0])
        await select_rows(pilot, screen, ids)
        await pilot.press("m")
        await settle(pilot)
        from textual.widgets import TextArea

        body = app.screen.query_one("#email-body", TextArea).text
        folios = [doc(demo_url, i).folio for i in ids]
        assert all(f"N° {folio}," in body for folio in folios)
        await fill(pilot, app, "#email-to", "pagos@cliente.cl")
        app.screen.query_one("#email-body", TextArea).text = body + "\nSaludos."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        history = app.screen.query_one("#history")
        assert any("en cola" in str(history.get_row(k)[2]) for k in history.rows)  # type: ignore[attr-defined]
    message = read(demo_url, lambda s: s.scalars(select(OutboxMessage)).one())
    linked = read(demo_url, lambda s: set(s.scalars(select(OutboxDocument.document_id))))
    assert message.status == "queued" and message.to_addrs == "pagos@cliente.cl"
    assert message.body_text.rstrip().endswith("Saludos.") and linked == set(ids)


async def test_batch_log_over_a_selection(make_app: MakeApp, demo_url: str) -> None:
    before = read(demo_url, lambda s: s.scalar(select(func.max(Action.id))))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(AgendaTable)
        keys = [k.value for k in table.rows][:4]
        await pilot.press("space", "space", "space", "space")
        assert isinstance(app.screen, AgendaScreen)
        assert app.screen.selected == {int(k[2:]) for k in keys if k}
        assert "4 marcadas" in str(app.screen.query_one("#agenda-header").render())
        await pilot.press("l")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogCallModal)
        code = [e.code for e in modal.results].index("no_contesta") + 1
        await pilot.press(str(code), "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen) and not app.screen.selected
        remaining = [k.value for k in app.screen.query_one(AgendaTable).rows]
        assert not set(keys) & set(remaining)
    ids = [int(str(k)[2:]) for k in keys]
    for document_id in ids:
        assert doc(demo_url, document_id).last_result_code == "no_contesta"
    customers = {doc(demo_url, i).customer_id for i in ids}
    new_actions = read(
        demo_url,
        lambda s: s.scalar(select(func.count()).select_from(Action).where(Action.id > before)),
    )
    assert new_actions == len(customers)  # one action per customer, same result


async def test_select_all_then_mark_paid(make_app: MakeApp, demo_url: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AgendaScreen)
        customer = doc(demo_url, customer_with_invoices(demo_url, 2)[0]).customer_id
        screen.filters = screen.filters.__class__(customer_id=customer)
        screen.reload()
        await settle(pilot)
        await pilot.press("ctrl+a")
        await settle(pilot)
        chosen = set(screen.selected)
        assert len(chosen) >= 2
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert {doc(demo_url, i).state for i in chosen} == {"pagada"}


async def test_keymap_override_and_a_bad_entry(make_app: MakeApp, demo_url: str) -> None:
    first = customer_with_invoices(demo_url, 1)[0]
    app = make_app(keymap={"detail.log_call": "L", "nope.nothing": "x", "detail.note": "ctrl+ +"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        notices = [n.message for n in app._notifications]
        assert any("nope.nothing" in n and "detail.note" in n for n in notices)
        await open_detail(pilot, app, first)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)  # l no longer logs a call
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, LogCallModal)


async def test_call_without_and_with_a_dial_command(
    make_app: MakeApp, demo_url: str, tmp_path: Path
) -> None:
    first = invoice_with_a_mobile_contact(demo_url)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, app, first)
        screen.query_one("#contacts").focus()
        await pilot.press("c")
        assert any("dial_command" in n.message for n in app._notifications)
    dialled = tmp_path / "dialled.txt"
    script = tmp_path / "fake_softphone.py"
    recording_program(script, dialled)
    app = make_app(dial_command=f"{sys.executable} {script} {{phone}}")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, app, first)
        row = focus_contact(screen, "Aaron Pagos")
        await pilot.press("c")
        await settle(pilot)
        await pilot.pause(1.2)
        assert "Aaron Pagos" in str(screen.query_one("#call-timer").render())
        await pilot.press("l")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogCallModal)
        assert modal.duration_seconds is not None and modal.duration_seconds >= 1
        from textual.widgets import Select

        contact_value = modal.query_one("#contact", Select).value
        assert contact_value == screen.view.contacts[row].id  # type: ignore[union-attr]
        await pilot.press("1", "ctrl+s")
        await settle(pilot)
    for _ in range(50):
        if dialled.exists():
            break
        await pilot.pause(0.05)
    assert dialled.read_text() == "+56911112222"
    durations = read(
        demo_url,
        lambda s: s.scalars(select(Action.duration_seconds).order_by(Action.id.desc())).first(),
    )
    assert durations and durations >= 1


async def test_whatsapp_opens_the_link_and_logs(
    make_app: MakeApp, demo_url: str, tmp_path: Path
) -> None:
    first = invoice_with_a_mobile_contact(demo_url)
    opened = tmp_path / "opened.txt"
    script = tmp_path / "fake_opener.py"
    recording_program(script, opened)
    app = make_app(opener=f"{sys.executable} {script} {{url}}")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, app, first)
        focus_contact(screen, "Aaron Pagos")
        await pilot.press("w")
        await settle(pilot)
        for _ in range(50):
            if opened.exists():
                break
            await pilot.pause(0.05)
        await pilot.press("y")
        assert app.clipboard == "+56 9 1111 2222"
    assert opened.read_text().startswith("https://wa.me/56911112222?text=")
    action = read(demo_url, lambda s: s.scalars(select(Action).order_by(Action.id.desc())).first())
    assert (action.channel, action.result_code) == ("whatsapp", "whatsapp_enviado")


async def test_palette_goes_to_an_invoice(make_app: MakeApp, demo_url: str) -> None:
    first = customer_with_invoices(demo_url, 1)[0]
    folio = doc(demo_url, first).folio
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*str(folio))
        await pilot.pause(0.5)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.document_id == first or first in {
            r.document_id
            for r in [app.screen.view.invoice, *app.screen.view.others]  # type: ignore[union-attr]
        }


async def test_call_script_shows_beside_the_call_form(make_app: MakeApp, demo_url: str) -> None:
    first = customer_with_invoices(demo_url, 1)[0]
    segment = read(demo_url, lambda s: s.get(Customer, s.get(Document, first).customer_id).segment)
    database = open_app_database(demo_url)
    from totalfact_tui.services.call_scripts import set_script

    set_script(database, "admin", segment or "*", "Pregunte por la HES y la OC.")
    database.dispose()
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await open_detail(pilot, app, first)
        await pilot.press("l")
        await settle(pilot)
        assert "HES" in str(app.screen.query_one("#script-text").render())


async def test_theme_from_config_and_the_theme_key(make_app: MakeApp) -> None:
    app = make_app(theme="ansi-light")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "ansi-light"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-dark"  # the key cycles dark, light, ANSI dark, ANSI light
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
    unknown = make_app(theme="neon")
    async with unknown.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert unknown.theme == "textual-dark"
        assert any("neon" in n.message for n in unknown._notifications)


async def test_forms_speak_english(make_app: MakeApp, demo_url: str) -> None:
    from totalfact_tui.i18n import set_language

    first = customer_with_invoices(demo_url, 1)[0]
    set_language("en")
    try:
        app = make_app(lang="en")
        async with app.run_test(size=(120, 40)) as pilot:
            await open_detail(pilot, app, first)
            await pilot.press("p")
            await settle(pilot)
            texts = " ".join(str(label.render()) for label in app.screen.query("Label"))
            assert "Payment from" in texts and "Reference" in texts
    finally:
        set_language("es")


async def test_header_shows_the_mail_watcher(make_app: MakeApp, demo_url: str) -> None:
    from totalfact_tui.services.watch_status import WatchSummary, record_status

    database = open_app_database(demo_url)
    record_status(database, "dte@andes.cl/INBOX", WatchSummary(messages=3, new=3))
    database.dispose()
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        assert "correo revisado" in str(app.screen.query_one("#agenda-header").render())
    database = open_app_database(demo_url)
    record_status(database, "dte@andes.cl/INBOX", None, error="No hay conexión")
    database.dispose()
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        assert "error de correo" in str(app.screen.query_one("#agenda-header").render())


async def test_queued_mail_is_sent_in_the_background(
    make_app: MakeApp, demo_url: str, tmp_path: Path
) -> None:
    from tests.smtp_server import start_servers

    servers = start_servers(tmp_path / "smtp")
    try:
        ids = customer_with_invoices(demo_url, 1)[:1]
        app = make_app(
            smtp={
                "smtp.host": "127.0.0.1",
                "smtp.port": servers.plain_port,
                "smtp.security": "plain",
                "smtp.from": "cobranza@andes.cl",
            },
            send_every_seconds=0.3,
        )
        async with app.run_test(size=(120, 50)) as pilot:
            await open_detail(pilot, app, ids[0])
            await pilot.press("m")
            await settle(pilot)
            await fill(pilot, app, "#email-to", "pagos@cliente.cl")
            await pilot.press("ctrl+s")
            await settle(pilot)
            for _ in range(60):
                if servers.recorder.received:
                    break
                await pilot.pause(0.1)
            assert [e.rcpt_tos for e in servers.recorder.received] == [["pagos@cliente.cl"]]
            servers.recorder.plan.append("550 5.1.1 No such user")
            await pilot.press("m")
            await settle(pilot)
            await fill(pilot, app, "#email-to", "nadie@cliente.cl")
            await pilot.press("ctrl+s")
            for _ in range(60):
                if any("fallidos" in n.message for n in app._notifications):
                    break
                await pilot.pause(0.1)
            assert any("1 fallidos" in n.message for n in app._notifications)
    finally:
        servers.stop()
    statuses = read(demo_url, lambda s: sorted(s.scalars(select(OutboxMessage.status)).all()))
    assert statuses == ["failed", "sent"]
