"""Internal notifications, queued to the outbox once each (``totalfact notify run``):
a task past its deadline (to its person, else its area), an invoice that changed to a
state someone must know of (to the customer's collector), and a daily summary to the
managers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from totalfact_tui.db.models import (
    Area,
    Customer,
    Document,
    DocumentEvent,
    Notification,
    OutboxMessage,
    OwnCompany,
    Payment,
    Task,
    User,
)
from totalfact_tui.db.session import Database
from totalfact_tui.domain.journey import State
from totalfact_tui.i18n import t
from totalfact_tui.services.leases import exclusive
from totalfact_tui.services.messages import new_message_id, render_template

#: States worth telling the collector about when an invoice reaches them.
NOTIFIED_STATES = (State.RECHAZADA, State.OBJETADA, State.PAGADA, State.ANULADA, State.CEDIDA)
#: State changes older than this are history, not news (a first run sends no flood).
EVENT_WINDOW = timedelta(days=2)


@dataclass
class NotifyResult:
    counts: dict[str, int] = field(
        default_factory=lambda: {
            "task_deadlines": 0,
            "state_changes": 0,
            "summaries": 0,
            "no_address": 0,
        }
    )


@exclusive("notify")
def run_notifications(database: Database, today: date, *, dry_run: bool = False) -> NotifyResult:
    result = NotifyResult()
    with database.write() as session:
        company = session.scalars(select(OwnCompany).order_by(OwnCompany.id)).first()
        base = {"company": {"name": company.name if company else ""}, "today": today}
        done = {
            (kind, key)
            for kind, key in session.execute(select(Notification.kind, Notification.key))
        }
        _task_deadlines(session, today, base, done, result)
        _state_changes(session, today, base, done, result)
        _summaries(session, today, base, done, result)
        if dry_run:
            session.rollback()
    return result


def _queue(
    session: Session,
    kind: str,
    key: str,
    template: str,
    to: str | None,
    lang: str,
    context: dict[str, Any],
    customer_id: int | None,
    result: NotifyResult,
    counter: str,
) -> None:
    if not to:
        result.counts["no_address"] += 1
        return
    rendered = render_template(template, lang, context)
    message = OutboxMessage(
        message_id=new_message_id(session),
        customer_id=customer_id,
        template=template,
        to_addrs=to,
        subject=" ".join(rendered.subject.split()),
        body_text=rendered.text.strip() + "\n",
        body_html=rendered.html,
    )
    session.add(message)
    session.flush()
    try:
        with session.begin_nested():
            session.add(Notification(kind=kind, key=key, outbox_id=message.id))
    except IntegrityError:
        session.delete(message)  # another run queued it meanwhile: once each
        return
    result.counts[counter] += 1


def _task_deadlines(
    session: Session,
    today: date,
    base: dict[str, Any],
    done: set[tuple[str, str]],
    result: NotifyResult,
) -> None:
    for task, customer, document, person, area in session.execute(
        select(Task, Customer, Document, User, Area)
        .join(Customer, Customer.id == Task.customer_id)
        .outerjoin(Document, Document.id == Task.document_id)
        .outerjoin(User, User.id == Task.assignee_id)
        .outerjoin(Area, Area.code == Task.area_code)
        .where(Task.status == "open", Task.due_date < today)
        .order_by(Task.id)
    ):
        key = str(task.id)
        if ("task_deadline", key) in done:
            continue
        to = (person.email if person else None) or (area.email if area else None)
        owner = person.name if person else (area.label_es if area else "-")
        context = base | {
            "customer": {"name": customer.name, "rut": customer.rut},
            "task": {
                "description": task.description,
                "due": task.due_date,
                "folio": document.folio if document else None,
                "balance": document.balance if document else 0,
                "owner": owner,
            },
        }
        _queue(session, "task_deadline", key, "task_deadline", to, "es", context,
               customer.id, result, "task_deadlines")  # fmt: skip


def _state_changes(
    session: Session,
    today: date,
    base: dict[str, Any],
    done: set[tuple[str, str]],
    result: NotifyResult,
) -> None:
    since = datetime.combine(today - EVENT_WINDOW, time.min).astimezone()
    for event, document, customer, collector in session.execute(
        select(DocumentEvent, Document, Customer, User)
        .join(Document, Document.id == DocumentEvent.document_id)
        .join(Customer, Customer.id == Document.customer_id)
        .outerjoin(User, User.id == Customer.collector_id)
        .where(DocumentEvent.kind == "state_changed", DocumentEvent.created_at >= since)
        .order_by(DocumentEvent.id)
    ):
        target = (event.details or {}).get("to")
        if target not in {s.value for s in NOTIFIED_STATES}:
            continue
        key = str(event.id)
        if ("state_changed", key) in done:
            continue
        context = base | {
            "customer": {"name": customer.name, "rut": customer.rut},
            "invoice": {
                "folio": document.folio,
                "total": document.total_amount,
                "balance": document.balance,
                "state": t(f"state.{target}"),
                "changed": event.created_at.date(),
            },
        }
        _queue(session, "state_changed", key, "state_changed",
               collector.email if collector else None, "es", context, customer.id, result,
               "state_changes")  # fmt: skip


def _summaries(
    session: Session,
    today: date,
    base: dict[str, Any],
    done: set[tuple[str, str]],
    result: NotifyResult,
) -> None:
    managers = list(
        session.scalars(select(User).where(User.active, User.role.in_(("manager", "admin"))))
    )
    if not managers:
        return
    summary = _figures(session, today)
    for manager in managers:
        key = f"{today.isoformat()}:{manager.id}"
        if ("daily_summary", key) in done:
            continue
        context = base | {"manager": {"name": manager.name}, "summary": summary}
        _queue(session, "daily_summary", key, "daily_summary", manager.email, "es", context,
               None, result, "summaries")  # fmt: skip


def _figures(session: Session, today: date) -> dict[str, int]:
    open_count, open_balance = session.execute(
        select(func.count(), func.coalesce(func.sum(Document.balance), 0)).where(Document.is_open)
    ).one()
    overdue_count, overdue_balance = session.execute(
        select(func.count(), func.coalesce(func.sum(Document.balance), 0)).where(
            Document.is_open, Document.due_date < today
        )
    ).one()
    agenda = session.scalar(
        select(func.count()).where(Document.is_open, Document.next_action_date <= today)
    )
    broken = session.scalar(select(func.count()).where(Document.is_open, Document.promise_broken))
    payments, paid = session.execute(
        select(func.count(), func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.status == "confirmed", Payment.paid_on == today - timedelta(days=1)
        )
    ).one()
    tasks = session.scalar(select(func.count()).where(Task.status == "open", Task.due_date < today))
    problems = session.scalar(
        select(func.count()).where(OutboxMessage.status.in_(("failed", "uncertain")))
    )
    return {
        "open_invoices": int(open_count),
        "open_balance": int(open_balance),
        "overdue_invoices": int(overdue_count),
        "overdue_balance": int(overdue_balance),
        "agenda_items": int(agenda or 0),
        "broken_promises": int(broken or 0),
        "payments_yesterday": int(payments),
        "paid_yesterday": int(paid),
        "overdue_tasks": int(tasks or 0),
        "mail_problems": int(problems or 0),
    }
