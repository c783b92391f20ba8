"""Internal notifications: task deadlines, state changes and daily summaries, once each."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.work_data import TODAY, doc_id
from totalfact_tui.db.models import Area, OutboxMessage, User
from totalfact_tui.db.session import Database
from totalfact_tui.services import payments, tasks
from totalfact_tui.services.notifications import run_notifications
from totalfact_tui.services.payments import PaymentForm


def outbox(db: Database) -> list[OutboxMessage]:
    with db.read() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_notifications_once_each(work_db: Database) -> None:
    with work_db.write() as session:
        area = session.get(Area, "facturacion")
        assert area is not None
        area.email = "facturacion@andes.cl"
        jefa = session.scalars(select(User).where(User.username == "jefa")).one()
        jefa.email = "jefa@andes.cl"
    tasks.add_task(
        work_db,
        "ana",
        tasks.TaskForm(
            "Reemitir factura",
            TODAY + timedelta(days=1),
            document_ids=(doc_id(work_db, 1),),
            area_code="facturacion",
        ),
        TODAY,
    )
    payments.record_payment(
        work_db, "ana", PaymentForm((doc_id(work_db, 4),), 357_000, TODAY), TODAY
    )
    later = TODAY + timedelta(days=2)
    first = run_notifications(work_db, later)
    # The task is overdue (to the area); folio 4 became paid (to ana, the collector);
    # a summary for the manager (jefa) and for the admin (no email: not sent).
    assert first.counts == {
        "task_deadlines": 1,
        "state_changes": 1,
        "summaries": 1,
        "no_address": 1,
    }
    sent = {(m.template, m.to_addrs) for m in outbox(work_db)}
    assert sent == {
        ("task_deadline", "facturacion@andes.cl"),
        ("state_changed", "ana@andes.cl"),
        ("daily_summary", "jefa@andes.cl"),
    }
    paid = next(m for m in outbox(work_db) if m.template == "state_changed")
    assert "pagada" in paid.subject
    again = run_notifications(work_db, later)
    assert again.counts["task_deadlines"] == again.counts["state_changes"] == 0
    assert again.counts["summaries"] == 0 and len(outbox(work_db)) == 3
    next_day = run_notifications(work_db, later + timedelta(days=1))
    assert next_day.counts["summaries"] == 1  # a summary a day
