"""Disputes (objeciones): an invoice the customer objects to leaves the agenda until
the follow-up date; resolving it records the outcome and brings it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import Customer, Dispute, DisputeDocument, Document, ReasonCode
from totalfact_tui.db.session import Database
from totalfact_tui.db.types import utcnow
from totalfact_tui.domain.agenda_rules import AgendaReason
from totalfact_tui.domain.collection import FOLLOW_UP_AFTER, DisputeOutcome
from totalfact_tui.domain.errors import InvalidValue, NotFound
from totalfact_tui.domain.journey import OPEN_STATES, Event, State
from totalfact_tui.services import audit, ledger, tasks
from totalfact_tui.services.audit import Actor
from totalfact_tui.services.worklist import acting_person, invoices_for_work

UNSPECIFIED_REASON = "sin_motivo"


@dataclass(frozen=True)
class DisputeForm:
    document_ids: tuple[int, ...]
    reason_code: str
    follow_up_date: date
    comment: str | None = None
    versions: dict[int, int] | None = None
    #: A task for the area that must answer (its deadline is the follow-up date).
    task: tasks.TaskForm | None = None


@dataclass(frozen=True)
class DisputeView:
    id: int
    customer_id: int
    customer_name: str
    folios: tuple[int, ...]
    reason_code: str
    comment: str | None
    follow_up_date: date
    status: str
    outcome: str | None


def open_in_session(
    session: Session,
    actor: Actor,
    documents: list[Document],
    customer_id: int,
    reason_code: str,
    comment: str | None,
    follow_up: date,
) -> Dispute:
    """Record a dispute over ``documents`` (their state and agenda columns are the
    caller's: a call logged with a dispute result moves them itself)."""
    reason = session.get(ReasonCode, reason_code)
    if reason is None:
        raise NotFound("action.unknown_reason", code=reason_code)
    dispute = Dispute(
        customer_id=customer_id,
        reason_code=reason_code,
        comment=(comment or "").strip() or None,
        follow_up_date=follow_up,
        opened_by_id=actor.user_id,
    )
    session.add(dispute)
    session.flush()
    session.add_all(DisputeDocument(dispute_id=dispute.id, document_id=d.id) for d in documents)
    audit.record(
        session,
        actor,
        "dispute",
        dispute.id,
        "open",
        after={
            "documents": [d.id for d in documents],
            "reason": reason_code,
            "follow_up": follow_up.isoformat(),
        },
    )
    return dispute


def open_dispute(
    database: Database, username: str | None, form: DisputeForm, today: date, lead_days: int = 3
) -> int:
    if form.follow_up_date < today:
        raise InvalidValue("dispute.follow_up_past", value=form.follow_up_date.isoformat())
    with database.write() as session:
        actor = acting_person(session, username)
        documents, customer_id = invoices_for_work(
            session,
            actor,
            "dispute",
            form.document_ids,
            form.versions,
            allowed=OPEN_STATES - {State.OBJETADA},
        )
        dispute = open_in_session(
            session,
            actor,
            documents,
            customer_id,
            form.reason_code,
            form.comment,
            form.follow_up_date,
        )
        for document in documents:
            ledger.try_transition(session, document, Event.DISPUTE_OPENED, today, actor.user_id)
            document.next_action_date = form.follow_up_date
            document.agenda_reason = AgendaReason.DISPUTE_FOLLOW_UP.value
            ledger.refresh_agenda(document, lead_days)
        if form.task is not None:
            task_ids = tasks.add_in_session(session, actor, form.task, today, documents[:1])
            dispute.task_id = task_ids[0]
        return dispute.id


def resolve_dispute(
    database: Database,
    username: str | None,
    document_ids: tuple[int, ...],
    outcome: str,
    today: date,
    comment: str | None = None,
    next_action: date | None = None,
    lead_days: int = 3,
) -> list[int]:
    """Resolve the open disputes over these invoices with ``outcome``; the invoices
    return to collection (``nueva``/``vencida``) and to the agenda on ``next_action``
    (by default: at once when the customer withdrew, in a week when a credit note or
    a new invoice is expected). Returns the disputes resolved."""
    try:
        chosen = DisputeOutcome(outcome)
    except ValueError:
        raise InvalidValue(
            "dispute.bad_outcome", value=outcome, choices=", ".join(o.value for o in DisputeOutcome)
        ) from None
    follow = next_action or today + timedelta(days=FOLLOW_UP_AFTER[chosen])
    if follow < today:
        raise InvalidValue("action.next_in_past", value=follow.isoformat())
    with database.write() as session:
        actor = acting_person(session, username)
        documents, _ = invoices_for_work(
            session, actor, "dispute", document_ids, allowed=frozenset({State.OBJETADA})
        )
        ids = [d.id for d in documents]
        open_disputes = list(
            session.scalars(
                select(Dispute)
                .join(DisputeDocument, DisputeDocument.dispute_id == Dispute.id)
                .where(DisputeDocument.document_id.in_(ids), Dispute.status == "open")
                .distinct()
            )
        )
        for dispute in open_disputes:
            dispute.status = "resolved"
            dispute.outcome = chosen.value
            dispute.resolution = (comment or "").strip() or None
            dispute.resolved_at = utcnow()
            dispute.resolved_by_id = actor.user_id
            audit.record(
                session,
                actor,
                "dispute",
                dispute.id,
                "resolve",
                before={"status": "open"},
                after={"status": "resolved", "outcome": chosen.value},
            )
        # Every invoice of a resolved dispute comes back, not only those named.
        covered = set(ids)
        for dispute in open_disputes:
            covered.update(
                session.scalars(
                    select(DisputeDocument.document_id).where(
                        DisputeDocument.dispute_id == dispute.id
                    )
                )
            )
        for document in session.scalars(select(Document).where(Document.id.in_(covered))):
            if document.state != State.OBJETADA:
                continue
            ledger.try_transition(session, document, Event.DISPUTE_RESOLVED, today, actor.user_id)
            document.next_action_date = follow
            document.agenda_reason = AgendaReason.DISPUTE_RESOLVED.value
            ledger.refresh_agenda(document, lead_days)
        return [dispute.id for dispute in open_disputes]


def list_disputes(
    database: Database, *, status: str | None = "open", customer_id: int | None = None
) -> list[DisputeView]:
    with database.read() as session:
        query = (
            select(Dispute, Customer.name)
            .join(Customer, Customer.id == Dispute.customer_id)
            .order_by(Dispute.follow_up_date, Dispute.id)
        )
        if status is not None:
            query = query.where(Dispute.status == status)
        if customer_id is not None:
            query = query.where(Dispute.customer_id == customer_id)
        found = session.execute(query).all()
        folios: dict[int, list[int]] = {}
        for dispute_id, folio in session.execute(
            select(DisputeDocument.dispute_id, Document.folio)
            .join(Document, Document.id == DisputeDocument.document_id)
            .where(DisputeDocument.dispute_id.in_([d.id for d, _ in found]))
        ):
            folios.setdefault(dispute_id, []).append(folio)
        return [
            DisputeView(
                d.id,
                d.customer_id,
                name,
                tuple(sorted(folios.get(d.id, []))),
                d.reason_code,
                d.comment,
                d.follow_up_date,
                d.status,
                d.outcome,
            )
            for d, name in found
        ]
