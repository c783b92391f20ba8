"""Dunning cadences: reminder emails (and calls) by days relative to the due date.

One email per customer per run, at the highest step any of its invoices reached,
listing all its open invoices that are due (and its open credit notes) — never one
email per invoice. A step reached is recorded per invoice, so running twice on the same
day queues nothing new. Ceded, disputed and held invoices are not reminded (the
customer's other invoices still are); nor are customers without an email address or
marked "no email". A step with the channel "call" puts the customer's invoices on its
collector's agenda with the reason "cadence step".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import Customer, Document, DunningLog, Hold
from totalfact_tui.db.session import Database
from totalfact_tui.domain.agenda_rules import AgendaReason
from totalfact_tui.domain.cadence import Step, parse_steps, step_reached
from totalfact_tui.domain.journey import State
from totalfact_tui.services import audit
from totalfact_tui.services.leases import exclusive
from totalfact_tui.services.messages import (
    Draft,
    default_address,
    email_context,
    queue_in_session,
    render_template,
)

SKIP_REASONS = ("ceded", "disputed", "held", "no_email")


@dataclass
class CustomerPlan:
    customer_id: int
    customer_name: str
    step: Step
    document_ids: list[int]  # every due invoice listed in the email
    new_ids: list[int]  # the invoices that reached a step not reminded yet
    to: str
    outbox_id: int | None = None


@dataclass
class DunningResult:
    plans: list[CustomerPlan] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SKIP_REASONS, 0))
    calls: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "customers": len(self.plans),
            "emails_queued": sum(1 for p in self.plans if p.outbox_id is not None),
            "invoices": sum(len(p.document_ids) for p in self.plans),
            "skipped": dict(self.skipped),
        }


def steps_from_config(
    default: Sequence[Mapping[str, Any]] | None, segments: Mapping[str, Any]
) -> tuple[tuple[Step, ...], dict[str, tuple[Step, ...]]]:
    return parse_steps(default), {name: parse_steps(raw) for name, raw in segments.items()}


@exclusive("dunning")
def run_dunning(
    database: Database,
    today: date,
    steps: Sequence[Step],
    segment_steps: Mapping[str, Sequence[Step]] | None = None,
    *,
    dry_run: bool = False,
) -> DunningResult:
    segment_steps = segment_steps or {}
    result = DunningResult()
    with database.write() as session:
        held_customers, held_documents = _held(session, today)
        candidates = session.execute(
            select(Document, Customer)
            .join(Customer, Customer.id == Document.customer_id)
            .where(
                Document.kind == "receivable",
                Document.collectable,
                Document.is_open,
                Document.balance > 0,
                Document.due_date.is_not(None),
            )
            .order_by(Customer.id, Document.due_date, Document.id)
        ).all()
        # The steps already reminded, of the invoices still open (a join, not a list of
        # ids: there can be many).
        reminded = {
            (document_id, days)
            for document_id, days in session.execute(
                select(DunningLog.document_id, DunningLog.step_days)
                .join(Document, Document.id == DunningLog.document_id)
                .where(Document.is_open)
            )
        }
        by_customer: dict[int, list[tuple[Document, Step]]] = {}
        customers: dict[int, Customer] = {}
        for document, customer in candidates:
            cadence = segment_steps.get(customer.segment or "", steps)
            assert document.due_date is not None
            step = step_reached(cadence, document.due_date, today)
            if step is None:
                continue
            if document.ceded:
                result.skipped["ceded"] += 1
                continue
            if document.state == State.OBJETADA:
                result.skipped["disputed"] += 1
                continue
            if customer.id in held_customers or document.id in held_documents:
                result.skipped["held"] += 1
                continue
            customers[customer.id] = customer
            by_customer.setdefault(customer.id, []).append((document, step))
        for customer_id, items in by_customer.items():
            customer = customers[customer_id]
            new = [(d, s) for d, s in items if (d.id, s.days) not in reminded]
            if not new:
                continue
            top = max((s for _, s in items), key=lambda s: s.days)  # the worst invoice
            to = "" if customer.no_email else default_address(session, customer)
            if top.template and not to:
                result.skipped["no_email"] += len(items)
                if not top.call:
                    continue
            plan = CustomerPlan(
                customer_id,
                customer.name,
                top,
                [d.id for d, _ in items],
                [d.id for d, _ in new],
                to,
            )
            result.plans.append(plan)
            if dry_run:
                continue
            if top.template and to:
                plan.outbox_id = _queue(session, customer, [d for d, _ in items], top, to, today)
            if top.call:
                result.calls += _call([d for d, _ in items], today)
            session.add_all(
                DunningLog(
                    customer_id=customer_id,
                    document_id=d.id,
                    step_days=s.days,
                    run_on=today,
                    outbox_id=plan.outbox_id,
                )
                for d, s in new
            )
        if dry_run:
            session.rollback()
        else:
            audit.record(
                session,
                audit.SYSTEM_ACTOR,
                "dunning",
                today.isoformat(),
                "run",
                after=result.as_dict(),
            )
    return result


def _held(session: Session, today: date) -> tuple[set[int], set[int]]:
    customers: set[int] = set()
    documents: set[int] = set()
    for customer_id, document_id in session.execute(
        select(Hold.customer_id, Hold.document_id).where(
            Hold.lifted_at.is_(None), Hold.end_date > today
        )
    ):
        if document_id is None and customer_id is not None:
            customers.add(customer_id)
        elif document_id is not None:
            documents.add(document_id)
    return customers, documents


def _queue(
    session: Session,
    customer: Customer,
    documents: list[Document],
    step: Step,
    to: str,
    today: date,
) -> int:
    context, customer, _contact, ordered = email_context(
        session, documents, customer.id, None, None, today
    )
    rendered = render_template(step.template, customer.lang or "es", context)
    draft = Draft.of(customer.id, ordered, step.template, to, rendered)
    return queue_in_session(session, audit.SYSTEM_ACTOR, draft)


def _call(documents: list[Document], today: date) -> int:
    """Escalation from email to phone: the invoices are on the agenda today."""
    moved = 0
    for document in documents:
        if document.next_action_date is None or document.next_action_date > today:
            document.next_action_date = today
            document.agenda_reason = AgendaReason.CADENCE_STEP.value
            moved += 1
        elif document.agenda_reason == AgendaReason.FIRST_ACTION.value:
            # Already due and untouched: the cadence is the better reason to give.
            document.agenda_reason = AgendaReason.CADENCE_STEP.value
    return moved
