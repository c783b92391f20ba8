"""Logging a collection action (a call, an email...) on one or more invoices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from totalfact_tui.db.models import (
    Action,
    ActionDocument,
    Contact,
    Promise,
    PromiseDocument,
    ReasonCode,
    ResultCode,
)
from totalfact_tui.db.session import Database
from totalfact_tui.domain.agenda_rules import (
    PromiseStatus,
    ResultKind,
    default_next_action,
    reason_after,
)
from totalfact_tui.domain.errors import InvalidValue, NotFound
from totalfact_tui.domain.journey import Event
from totalfact_tui.services import audit, disputes, ledger
from totalfact_tui.services.audit import Actor
from totalfact_tui.services.worklist import acting_person, claim_in_session, invoices_for_work

CHANNELS = ("phone", "email", "whatsapp", "visit", "other")
_EVENT_AFTER: dict[ResultKind, Event] = {
    ResultKind.PROMISE: Event.WAIT_STARTED,
    ResultKind.CALLBACK: Event.WAIT_STARTED,
    ResultKind.CLAIMS_PAID: Event.PAYMENT_CLAIMED,
}


@dataclass(frozen=True)
class ActionForm:
    """What the collector typed. ``versions`` are the invoices' versions when the form
    was opened: a save over a newer version is refused (optimistic locking)."""

    document_ids: tuple[int, ...]
    result_code: str
    versions: dict[int, int] = field(default_factory=dict)
    reason_code: str | None = None
    contact_id: int | None = None
    channel: str = "phone"
    promise_date: date | None = None
    promise_amount: int | None = None
    next_action_date: date | None = None
    comment: str | None = None
    duration_seconds: int | None = None


@dataclass(frozen=True)
class LoggedAction:
    action_id: int
    next_action_date: date
    promise_id: int | None


def log_action(
    database: Database,
    username: str | None,
    form: ActionForm,
    today: date,
    grace_days: int = 1,
    lead_days: int = 3,
    now: datetime | None = None,
) -> LoggedAction:
    with database.write() as session:
        actor = acting_person(session, username)
        return _log_in_session(session, actor, form, today, grace_days, lead_days, now)


def log_batch(
    database: Database,
    username: str | None,
    forms: list[ActionForm],
    today: date,
    grace_days: int = 1,
    lead_days: int = 3,
) -> list[LoggedAction]:
    """One result logged for a selection spanning customers: one action per customer,
    all in one transaction (all saved, or none)."""
    with database.write() as session:
        actor = acting_person(session, username)
        now = datetime.now(UTC)
        return [
            _log_in_session(session, actor, form, today, grace_days, lead_days, now)
            for form in forms
        ]


def _log_in_session(
    session: Session,
    actor: Actor,
    form: ActionForm,
    today: date,
    grace_days: int,
    lead_days: int,
    now: datetime | None,
) -> LoggedAction:
    if form.channel not in CHANNELS:
        raise InvalidValue("error.invalid_value", field="channel", value=form.channel)
    assert actor.user_id is not None
    result = session.get(ResultCode, form.result_code)
    if result is None or not result.active:
        raise NotFound("action.unknown_result", code=form.result_code)
    if form.reason_code is not None:
        reason = session.get(ReasonCode, form.reason_code)
        if reason is None or not reason.active:
            raise NotFound("action.unknown_reason", code=form.reason_code)
    documents, customer_id = invoices_for_work(
        session, actor, "log_action", form.document_ids, form.versions
    )
    if form.contact_id is not None:
        contact = session.get(Contact, form.contact_id)
        if contact is None or contact.customer_id != customer_id:
            raise NotFound("error.not_found", entity="contacto", key=str(form.contact_id))
    kind = ResultKind(result.kind)
    promise_amount = None
    if kind is ResultKind.PROMISE:
        if form.promise_date is None or form.promise_date < today:
            raise InvalidValue("action.promise_date", value=str(form.promise_date or ""))
        promise_amount = (
            form.promise_amount
            if form.promise_amount is not None
            else sum(d.balance for d in documents)
        )
        if promise_amount <= 0:
            raise InvalidValue("action.promise_amount", value=promise_amount)
    next_action = form.next_action_date or default_next_action(
        kind, today, result.next_action_days, form.promise_date
    )
    if next_action < today:
        raise InvalidValue("action.next_in_past", value=next_action.isoformat())
    action = Action(
        customer_id=customer_id,
        user_id=actor.user_id,
        occurred_at=now or datetime.now(UTC),
        channel=form.channel,
        contact_id=form.contact_id,
        result_code=result.code,
        reason_code=form.reason_code,
        next_action_date=next_action,
        duration_seconds=form.duration_seconds,
        comment=(form.comment or "").strip() or None,
        # Logged while covering for an absent collector: the action is the logger's,
        # and says whom it covered for.
        covered_for_id=next((d.covered_for_id for d in documents if d.covered_for_id), None),
    )
    session.add(action)
    session.flush()
    session.add_all(
        ActionDocument(
            action_id=action.id,
            document_id=d.id,
            user_id=action.user_id,
            occurred_at=action.occurred_at,
        )
        for d in documents
    )
    claim_in_session(session, actor.user_id, documents, today)
    promise_id = None
    if kind is ResultKind.PROMISE:
        assert form.promise_date is not None and promise_amount is not None
        previous = select(PromiseDocument.promise_id).where(
            PromiseDocument.document_id.in_([d.id for d in documents])
        )
        session.execute(
            update(Promise)
            .where(Promise.id.in_(previous), Promise.status == PromiseStatus.OPEN.value)
            .values(status=PromiseStatus.CANCELLED.value)
        )
        promise = Promise(
            customer_id=customer_id,
            action_id=action.id,
            contact_id=form.contact_id,
            user_id=actor.user_id,
            promised_date=form.promise_date,
            amount=promise_amount,
            grace_days=grace_days,
            # A promise is made when the call that took it happened (reports count
            # promises by this moment).
            created_at=action.occurred_at,
        )
        session.add(promise)
        session.flush()
        promise_id = promise.id
        session.add_all(PromiseDocument(promise_id=promise.id, document_id=d.id) for d in documents)
    if kind is ResultKind.DISPUTE:
        disputes.open_in_session(
            session,
            actor,
            documents,
            customer_id,
            form.reason_code or disputes.UNSPECIFIED_REASON,
            form.comment,
            next_action,
        )
    event = _EVENT_AFTER.get(kind)
    for document in documents:
        if event is not None:
            ledger.try_transition(session, document, event, today, actor.user_id)
        document.next_action_date = next_action
        document.agenda_reason = reason_after(kind).value
        document.promise_broken = False
        document.last_action_at = action.occurred_at
        document.last_result_code = result.code
        document.last_action_user_id = actor.user_id
        if promise_id is not None:
            document.open_promise_date = form.promise_date
            document.open_promise_amount = promise_amount
        ledger.refresh_agenda(document, lead_days)
    audit.record(
        session,
        actor,
        "action",
        action.id,
        "create",
        after={
            "documents": [d.id for d in documents],
            "result": result.code,
            "reason": form.reason_code,
            "next": next_action.isoformat(),
            "promise": promise_id,
        },
    )
    return LoggedAction(action.id, next_action, promise_id)


def most_used_results(database: Database, user_id: int, recent: int = 500) -> list[str]:
    """Result codes by how often the user picked them in their last ``recent`` actions
    (the keys 1-9 of the call form follow this order)."""
    with database.read() as session:
        codes = session.scalars(
            select(Action.result_code)
            .where(Action.user_id == user_id)
            .order_by(Action.id.desc())
            .limit(recent)
        ).all()
    counts: dict[str, int] = {}
    for code in codes:
        counts[code] = counts.get(code, 0) + 1
    return sorted(counts, key=lambda code: -counts[code])
