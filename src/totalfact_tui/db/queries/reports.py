"""Report queries (docs/kpis.md): balances as of a date, recomputed in the database
from the facts (notes and payments dated on or before it), aggregated in SQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session, aliased

from totalfact_tui.db.models import Document, DocumentReference, Payment, PaymentAllocation
from totalfact_tui.domain.dte_types import CREDIT_NOTE_TYPES, DEBIT_NOTE_TYPES

ANNUL, TEXT_ONLY = 1, 2
BUCKETS = (
    ("current", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("91_180", 91, 180),
    ("over_180", 181, None),
)

#: Result kinds of a call that reached the customer (a right-party contact).
REACHED = ("contact", "promise", "claims_paid", "dispute", "callback")
#: Drill-down filters besides the aging buckets.
OVERDUE, DISPUTED, CEDED = "overdue", "disputed", "ceded"


def reached_codes(session: Session) -> list[str]:
    """The result codes whose kind reached the customer (read from the small catalog
    once, so that the big tables are filtered without a join)."""
    from totalfact_tui.db.models import ResultCode

    return list(session.scalars(select(ResultCode.code).where(ResultCode.kind.in_(REACHED))))


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


#: What the reports read of a receivable, besides its balance (``as_of``, ``current``).
_RECEIVABLE = (
    Document.id,
    Document.customer_id,
    Document.collector_id,
    Document.issue_date,
    Document.due_date,
    Document.state,
    Document.ceded,
)


def as_of(day: date) -> Subquery:
    """Every receivable issued on or before ``day`` with its balance as of that day,
    recomputed from the notes and payments dated on or before it (docs/kpis.md).

    Notes and payments are summed once per invoice in grouped subqueries joined to the
    invoices (a correlated subquery per invoice would be re-run for every use of the
    balance)."""
    note, ref = aliased(Document), aliased(DocumentReference)
    cancel_note, cancel_ref = aliased(Document), aliased(DocumentReference)
    # A credit note annulled by a debit note (CodRef 1) issued by the day counts for nothing.
    cancelled = (
        select(cancel_ref.id)
        .join(cancel_note, cancel_note.id == cancel_ref.document_id)
        .where(
            cancel_ref.target_document_id == note.id,
            cancel_ref.ref_code == ANNUL,
            cancel_note.dte_type.in_(DEBIT_NOTE_TYPES),
            cancel_note.issue_date <= day,
        )
        .exists()
    )
    # Each note once per invoice it points at, with how it counts.
    debit = note.dte_type.in_(DEBIT_NOTE_TYPES)
    counted = (
        select(
            ref.target_document_id.label("document_id"),
            note.id.label("note_id"),
            case((debit, note.total_amount), else_=0).label("debit"),
            case(
                (and_(~debit, ref.ref_code.is_distinct_from(ANNUL)), note.total_amount),
                else_=0,
            ).label("credit"),
            case((and_(~debit, ref.ref_code == ANNUL), 1), else_=0).label("annuls"),
        )
        .join(note, note.id == ref.document_id)
        .where(
            note.dte_type.in_(CREDIT_NOTE_TYPES | DEBIT_NOTE_TYPES),
            note.issue_date <= day,
            ref.target_document_id.is_not(None),
            ref.target_document_id != note.id,
            ref.ref_code.is_distinct_from(TEXT_ONLY),
            ~cancelled,
        )
        .distinct()
        .subquery("counted")
    )
    notes = (
        select(
            counted.c.document_id,
            func.sum(counted.c.debit).label("debits"),
            func.sum(counted.c.credit).label("credits"),
            func.max(counted.c.annuls).label("annulled"),
        )
        .group_by(counted.c.document_id)
        .subquery("notes")
    )
    paid = (
        select(
            PaymentAllocation.document_id,
            func.sum(PaymentAllocation.amount).label("paid"),
        )
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(
            Payment.paid_on <= day,
            or_(
                Payment.status == "confirmed",
                and_(Payment.status == "reversed", Payment.reversed_at >= _end_of(day)),
            ),
        )
        .group_by(PaymentAllocation.document_id)
        .subquery("paid")
    )
    owed = case(
        (func.coalesce(notes.c.annulled, 0) > 0, 0),
        else_=Document.total_amount
        + func.coalesce(notes.c.debits, 0)
        - func.coalesce(notes.c.credits, 0),
    )
    remaining = owed - func.coalesce(paid.c.paid, 0)
    balance = case((remaining > 0, remaining), else_=0)
    return (
        select(*_RECEIVABLE, cast(balance, BigInteger).label("balance"))
        .outerjoin(notes, notes.c.document_id == Document.id)
        .outerjoin(paid, paid.c.document_id == Document.id)
        .where(
            Document.kind == "receivable",
            Document.collectable,
            Document.issue_date <= day,
        )
        .subquery("asof")
    )


def current(dialect: str) -> Subquery:
    """The receivables with a balance today, from the balances the ledger keeps (the same
    rule as :func:`as_of`, kept up to date in every write): served by the covering index
    ``ix_documents_report_open``, whose condition is repeated here word for word (SQLite
    matches a partial index only on the same literal terms)."""
    collectable = "documents.collectable = 1" if dialect == "sqlite" else "documents.collectable"
    return (
        select(*_RECEIVABLE, Document.balance)
        .where(text(f"documents.kind = 'receivable' AND {collectable} AND documents.balance > 0"))
        .subquery("asof")
    )


def latest_fact(session: Session) -> date | None:
    """The last day anything that moves a balance is dated: a document issued, a payment
    made or reversed. From that day on, balances as of a day are today's balances."""
    days = [
        session.scalar(select(func.max(Document.issue_date))),
        session.scalar(select(func.max(Payment.paid_on))),
    ]
    reversed_at = session.scalar(select(func.max(Payment.reversed_at)))
    if reversed_at is not None:
        days.append(reversed_at.date())
    known = [day for day in days if day is not None]
    return max(known) if known else None


def receivables(session: Session, day: date) -> Subquery:
    """Receivables with their balance as of ``day``: the kept balances when nothing is
    dated after ``day`` (the usual case, today), else recomputed from the facts."""
    latest = latest_fact(session)
    if latest is None or day >= latest:
        return current(session.get_bind().dialect.name)
    return as_of(day)


def days_between(later: Any, earlier: Any, dialect: str) -> Any:
    if dialect == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return later - earlier


def bucket_of(due_date: Any, day: date) -> Any:
    """The aging bucket of an open receivable as of ``day``, from its due date compared
    with the buckets' boundary dates (no date arithmetic per row)."""
    whens: list[tuple[ColumnElement[bool], str]] = [
        (or_(due_date.is_(None), due_date >= day), "current")
    ]
    for name, _low, high in BUCKETS[1:]:
        if high is not None:
            whens.append((due_date >= day - timedelta(days=high), name))
    return case(*whens, else_=BUCKETS[-1][0])


def balances(
    session: Session,
    day: date,
    collector_id: int | None = None,
    customer_id: int | None = None,
) -> dict[str, Any]:
    """Open, overdue, disputed and ceded balances, aging and average debt age as of
    ``day``: one pass over the receivables, grouped by bucket, ceded and disputed."""
    dialect = session.get_bind().dialect.name
    rows = receivables(session, day)
    bucket = bucket_of(rows.c.due_date, day).label("bucket")
    disputed = case((rows.c.state == "objetada", 1), else_=0).label("disputed")
    issued = func.julianday(rows.c.issue_date) if dialect == "sqlite" else rows.c.issue_date - day
    query = (
        select(
            bucket,
            rows.c.ceded,
            disputed,
            func.sum(rows.c.balance),
            func.count(),
            func.sum(rows.c.balance * issued),
        )
        .where(rows.c.balance > 0)
        .group_by(bucket, rows.c.ceded, disputed)
    )
    if collector_id is not None:
        query = query.where(rows.c.collector_id == collector_id)
    if customer_id is not None:
        query = query.where(rows.c.customer_id == customer_id)
    aging = {name: 0 for name, _low, _high in BUCKETS}
    totals = dict.fromkeys(
        ("open", "open_n", "overdue_n", "disputed", "disputed_n", "ceded", "ceded_n"), 0
    )
    weighted_issue = 0.0
    for name, ceded, is_disputed, balance, count, by_issue in session.execute(query):
        balance, count = int(balance), int(count)
        if ceded:
            totals["ceded"] += balance
            totals["ceded_n"] += count
            continue
        aging[name] += balance
        totals["open"] += balance
        totals["open_n"] += count
        if name != "current":
            totals["overdue_n"] += count
        weighted_issue += float(by_issue)
        if is_disputed:
            totals["disputed"] += balance
            totals["disputed_n"] += count
    open_balance = totals["open"]
    overdue_balance = open_balance - aging["current"]
    # Σ balance × (D − issue) = D × Σ balance − Σ balance × issue (as day numbers).
    if dialect == "sqlite":
        day_number = _julian(day)
        weighted_age = day_number * open_balance - weighted_issue
    else:
        weighted_age = -weighted_issue
    return {
        "open_balance": open_balance,
        "open_invoices": totals["open_n"],
        "overdue_balance": overdue_balance,
        "overdue_invoices": totals["overdue_n"],
        "overdue_percent": (overdue_balance / open_balance * 100) if open_balance else 0.0,
        "disputed_balance": totals["disputed"],
        "disputed_invoices": totals["disputed_n"],
        "ceded_balance": totals["ceded"],
        "ceded_invoices": totals["ceded_n"],
        "average_debt_age": (weighted_age / open_balance) if open_balance else 0.0,
        "aging": aging,
    }


def _julian(day: date) -> float:
    """SQLite's julianday() of a date (at midnight)."""
    return day.toordinal() + 1721424.5


def credit_sales(session: Session, first: date, last: date) -> int:
    """Receivables issued in [first, last], plus debit notes, minus amount-correcting
    credit notes and the invoices annulled by credit notes issued in it."""
    issued = session.scalar(
        select(func.coalesce(func.sum(Document.total_amount), 0)).where(
            Document.kind == "receivable",
            Document.collectable,
            ~Document.ceded,
            Document.issue_date.between(first, last),
        )
    )
    note, ref, target = aliased(Document), aliased(DocumentReference), aliased(Document)
    adjustments = session.execute(
        select(note.dte_type, ref.ref_code, note.total_amount, target.total_amount)
        .join(ref, ref.document_id == note.id)
        .join(target, target.id == ref.target_document_id)
        .where(
            note.issue_date.between(first, last),
            note.dte_type.in_(CREDIT_NOTE_TYPES | DEBIT_NOTE_TYPES),
            target.kind == "receivable",
            target.collectable,
            ref.ref_code.is_distinct_from(TEXT_ONLY),
        )
        .distinct()
    ).all()
    total = int(issued or 0)
    for dte_type, code, amount, target_total in adjustments:
        if dte_type in DEBIT_NOTE_TYPES:
            total += 0 if code == ANNUL else amount
        else:
            total -= target_total if code == ANNUL else amount
    return total


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def payment_timing(
    session: Session, first: date, last: date, collector_id: int | None = None
) -> dict[str, float]:
    """Amount-weighted days from issue to payment, and days late, of the payments
    confirmed with a payment date in [first, last]."""
    dialect = session.get_bind().dialect.name
    # The allocations repeat their payment's date and status: one index range
    # (ix_payment_allocations_collected), without visiting the payments.
    paid_on = PaymentAllocation.paid_on
    from_issue = days_between(paid_on, Document.issue_date, dialect)
    late = days_between(paid_on, Document.due_date, dialect)
    query = (
        select(
            func.coalesce(func.sum(PaymentAllocation.amount * from_issue), 0),
            func.coalesce(func.sum(PaymentAllocation.amount * case((late > 0, late), else_=0)), 0),
            func.coalesce(func.sum(PaymentAllocation.amount), 0),
        )
        .join(Document, Document.id == PaymentAllocation.document_id)
        .where(
            PaymentAllocation.confirmed == true(),
            paid_on.between(first, last),
            Document.kind == "receivable",
            ~Document.ceded,
        )
    )
    if collector_id is not None:
        query = query.where(Document.collector_id == collector_id)
    weighted_issue, weighted_late, amount = session.execute(query).one()
    if not amount:
        return {"average_collection_period": 0.0, "weighted_days_late": 0.0}
    return {
        "average_collection_period": float(weighted_issue) / float(amount),
        "weighted_days_late": float(weighted_late) / float(amount),
    }


def customers_managed(
    session: Session, day: date, first: date, last: date, collector_id: int | None = None
) -> dict[str, float]:
    from totalfact_tui.db.models import Action

    rows = receivables(session, day)
    overdue = (
        select(rows.c.customer_id)
        .where(rows.c.balance > 0, ~rows.c.ceded, rows.c.due_date < day)
        .distinct()
    )
    if collector_id is not None:
        overdue = overdue.where(rows.c.collector_id == collector_id)
    overdue_customers = overdue.subquery()
    total = session.scalar(select(func.count()).select_from(overdue_customers)) or 0
    acted = (
        select(Action.customer_id)
        .where(
            Action.occurred_at >= _day_start(first),
            Action.occurred_at < _end_of(last),
            Action.customer_id.in_(select(overdue_customers.c.customer_id)),
        )
        .distinct()
        .subquery()
    )
    managed = session.scalar(select(func.count()).select_from(acted)) or 0
    return {
        "customers_overdue": int(total),
        "customers_managed": int(managed),
        "customers_managed_percent": managed / total * 100 if total else 0.0,
    }


def promises_and_calls(
    session: Session, first: date, last: date, user_id: int | None = None
) -> dict[str, float]:
    from totalfact_tui.db.models import Action, Promise

    start, end = _day_start(first), _end_of(last)
    promise_query = select(
        func.count(),
        func.coalesce(func.sum(Promise.amount), 0),
        func.coalesce(func.sum(case((Promise.status == "cumplida", 1), else_=0)), 0),
        func.coalesce(
            func.sum(case((Promise.status.in_(("incumplida", "parcial")), 1), else_=0)), 0
        ),
        func.coalesce(func.sum(Promise.amount_paid), 0),
    )
    # A promise is made when the call that took it happened (its created_at).
    promise_query = promise_query.select_from(Promise).where(
        Promise.created_at >= start, Promise.created_at < end, Promise.status != "cancelada"
    )
    if user_id is not None:
        promise_query = promise_query.where(Promise.user_id == user_id)
    made, promised, kept, broken, collected = session.execute(promise_query).one()
    call_query = (
        select(
            func.count(),
            func.coalesce(
                func.sum(case((Action.result_code.in_(reached_codes(session)), 1), else_=0)), 0
            ),
        )
        .select_from(Action)
        .where(Action.channel == "phone", Action.occurred_at >= start, Action.occurred_at < end)
    )
    if user_id is not None:
        call_query = call_query.where(Action.user_id == user_id)
    calls, contacts = session.execute(call_query).one()
    judged = int(kept) + int(broken)
    return {
        "promises_made": int(made),
        "promised_amount": int(promised),
        "promises_kept": int(kept),
        "promises_broken": int(broken),
        "promises_kept_rate": int(kept) / judged * 100 if judged else 0.0,
        "promised_collected": int(collected),
        "calls": int(calls),
        "right_party_contacts": int(contacts),
        "right_party_contact_rate": int(contacts) / int(calls) * 100 if calls else 0.0,
    }


def agenda_progress(session: Session, day: date, collector_id: int | None = None) -> float:
    """Promised for the day / balance on the day's agendas (today's picture)."""
    query = select(
        func.coalesce(
            func.sum(
                case((Document.open_promise_date == day, Document.open_promise_amount), else_=0)
            ),
            0,
        ),
        func.coalesce(func.sum(Document.balance), 0),
    ).where(Document.is_open, Document.next_action_date <= day)
    if collector_id is not None:
        query = query.where(Document.collector_id == collector_id)
    promised, due = session.execute(query).one()
    return float(promised) / float(due) * 100 if due else 0.0


def debtors(
    session: Session, day: date, limit: int = 20, collector_id: int | None = None
) -> list[dict[str, Any]]:
    """Customers by open balance as of ``day`` (ceded invoices apart); of one collector's
    invoices when given."""
    from totalfact_tui.db.models import Customer

    dialect = session.get_bind().dialect.name
    rows = receivables(session, day)
    open_ = and_(rows.c.balance > 0, ~rows.c.ceded)
    overdue = and_(open_, rows.c.due_date < day)
    past_due = days_between(literal(day), rows.c.due_date, dialect)
    open_balance = func.sum(rows.c.balance)
    mine = [] if collector_id is None else [rows.c.collector_id == collector_id]
    top = (
        select(
            rows.c.customer_id,
            open_balance.label("open_balance"),
            func.coalesce(func.sum(case((overdue, rows.c.balance), else_=0)), 0).label("overdue"),
            func.count().label("invoices"),
            func.coalesce(func.max(case((overdue, past_due), else_=0)), 0).label("max_days"),
        )
        .where(open_, *mine)
        .group_by(rows.c.customer_id)
        .order_by(open_balance.desc(), rows.c.customer_id)
        .limit(limit)
        .subquery("top")
    )
    query = (
        select(
            Customer.id,
            Customer.name,
            Customer.rut,
            top.c.open_balance,
            top.c.overdue,
            top.c.invoices,
            top.c.max_days,
        )
        .join(top, top.c.customer_id == Customer.id)
        .order_by(top.c.open_balance.desc(), Customer.id)
    )
    return [
        {
            "customer_id": customer_id,
            "customer_name": name,
            "customer_rut": rut,
            "open_balance": int(open_balance),
            "overdue_balance": int(overdue_balance),
            "open_invoices": int(count),
            "max_days_past_due": int(max_days or 0),
        }
        for (
            customer_id,
            name,
            rut,
            open_balance,
            overdue_balance,
            count,
            max_days,
        ) in session.execute(query)
    ]


def collector_production(session: Session, first: date, last: date) -> list[dict[str, Any]]:
    """Per collector over [first, last] (docs/kpis.md, "Collector production")."""
    from totalfact_tui.db.models import Action, ActionCount, ActionDocument, Promise, User

    start, end = _day_start(first), _end_of(last)
    in_period = and_(Action.occurred_at >= start, Action.occurred_at < end)
    # Actions, calls and right-party contacts from the hourly counters; the distinct
    # customers from the actions (a distinct count cannot be added up).
    phone = ActionCount.channel == "phone"
    reached = and_(phone, ActionCount.result_code.in_(reached_codes(session)))
    counted = {
        user_id: (int(count), int(calls), int(contacts))
        for user_id, count, calls, contacts in session.execute(
            select(
                ActionCount.user_id,
                func.sum(ActionCount.actions),
                func.coalesce(func.sum(case((phone, ActionCount.actions), else_=0)), 0),
                func.coalesce(func.sum(case((reached, ActionCount.actions), else_=0)), 0),
            )
            .where(ActionCount.hour >= start, ActionCount.hour < end)
            .group_by(ActionCount.user_id)
        )
    }
    # One index range per collector (ix_actions_user_occurred): a distinct count cannot
    # be added up from counters, and one pass over every action of the period costs more.
    managed = (
        select(func.count(func.distinct(Action.customer_id)))
        .where(Action.user_id == User.id, in_period)
        .scalar_subquery()
    )
    distinct_customers = {
        user_id: int(count)
        for user_id, count in session.execute(
            select(User.id, managed).where(User.id.in_(set(counted)))
        )
    }
    actions = {
        user_id: (*figures, distinct_customers.get(user_id, 0))
        for user_id, figures in counted.items()
    }
    promises = dict(
        (row[0], row[1:])
        for row in session.execute(
            select(
                Promise.user_id,
                func.count(),
                func.coalesce(func.sum(Promise.amount), 0),
                func.coalesce(func.sum(case((Promise.status == "cumplida", 1), else_=0)), 0),
            )
            .where(
                Promise.created_at >= start,
                Promise.created_at < end,
                Promise.status != "cancelada",
            )
            .group_by(Promise.user_id)
        )
    )
    # Each confirmed payment allocation of the period once per collector who acted on
    # its invoice in the period: the allocations repeat their payment's date and status
    # (ix_payment_allocations_collected) and the work is read by invoice or by period
    # (ix_action_documents_worked / _period), without visiting payments or actions.
    worked = (
        select(PaymentAllocation.id, PaymentAllocation.amount, ActionDocument.user_id)
        .join(ActionDocument, ActionDocument.document_id == PaymentAllocation.document_id)
        .where(
            PaymentAllocation.confirmed == true(),
            PaymentAllocation.paid_on.between(first, last),
            ActionDocument.occurred_at >= start,
            ActionDocument.occurred_at < end,
        )
        .distinct()
        .subquery("worked")
    )
    collected: dict[int, int] = dict(
        session.execute(
            select(worked.c.user_id, func.sum(worked.c.amount)).group_by(worked.c.user_id)
        ).all()
    )
    people = session.execute(
        select(User.id, User.username, User.name).where(User.id.in_(set(actions) | set(promises)))
    ).all()
    table = []
    for user_id, username, name in sorted(people, key=lambda p: p[2]):
        count, calls, contacts, customers = actions.get(user_id, (0, 0, 0, 0))
        made, amount, kept = promises.get(user_id, (0, 0, 0))
        table.append(
            {
                "user_id": user_id,
                "username": username,
                "name": name,
                "actions": int(count),
                "calls": int(calls),
                "right_party_contacts": int(contacts),
                "promises": int(made),
                "promised_amount": int(amount),
                "promises_kept": int(kept),
                "collected_on_worked_invoices": int(collected.get(user_id, 0)),
                "customers_managed": int(customers),
            }
        )
    return table


def contact_hours(
    session: Session, first: date, last: date, user_id: int | None = None
) -> list[tuple[datetime, int, int]]:
    """Calls and right-party contacts per UTC hour in [first, last]: (hour start, calls,
    contacts), from the hourly action counters. The service folds them into local hours
    and weekdays."""
    from totalfact_tui.db.models import ActionCount

    reached = ActionCount.result_code.in_(reached_codes(session))
    query = (
        select(
            ActionCount.hour,
            func.sum(ActionCount.actions),
            func.coalesce(func.sum(case((reached, ActionCount.actions), else_=0)), 0),
        )
        .where(
            ActionCount.channel == "phone",
            ActionCount.hour >= _day_start(first),
            ActionCount.hour < _end_of(last),
        )
        .group_by(ActionCount.hour)
    )
    if user_id is not None:
        query = query.where(ActionCount.user_id == user_id)
    return [
        (hour.astimezone(UTC), int(calls), int(contacts))
        for hour, calls, contacts in session.execute(query)
    ]


def open_invoices(
    session: Session,
    day: date,
    *,
    bucket: str | None = None,
    collector_id: int | None = None,
    customer_id: int | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The receivables behind a figure as of ``day``: open ones (not ceded), or those of
    one aging bucket, overdue, disputed or ceded; oldest past due first."""
    from totalfact_tui.db.models import Customer

    dialect = session.get_bind().dialect.name
    rows = receivables(session, day)
    past_due = days_between(literal(day), rows.c.due_date, dialect)
    overdue = and_(rows.c.due_date.is_not(None), rows.c.due_date < day)
    conditions: list[ColumnElement[bool]] = [rows.c.balance > 0]
    conditions.append(rows.c.ceded if bucket == CEDED else ~rows.c.ceded)
    if bucket == OVERDUE:
        conditions.append(overdue)
    elif bucket == DISPUTED:
        conditions.append(rows.c.state == "objetada")
    elif bucket == "current":
        conditions.append(or_(rows.c.due_date.is_(None), rows.c.due_date >= day))
    elif bucket is not None and bucket != CEDED:
        low, high = next((low, high) for name, low, high in BUCKETS if name == bucket)
        conditions += [overdue, past_due >= low]
        if high is not None:
            conditions.append(past_due <= high)
    if collector_id is not None:
        conditions.append(rows.c.collector_id == collector_id)
    if customer_id is not None:
        conditions.append(rows.c.customer_id == customer_id)
    query = (
        select(
            rows.c.id,
            Document.dte_type,
            Document.folio,
            rows.c.customer_id,
            Customer.name,
            Customer.rut,
            rows.c.issue_date,
            rows.c.due_date,
            rows.c.balance,
            rows.c.state,
            Document.open_promise_date,
        )
        .join(Document, Document.id == rows.c.id)
        .join(Customer, Customer.id == rows.c.customer_id)
        .where(*conditions)
        .order_by(rows.c.due_date, rows.c.balance.desc(), rows.c.id)
        .limit(limit)
    )
    return [
        {
            "document_id": document_id,
            "dte_type": dte_type,
            "folio": folio,
            "customer_id": customer_id,
            "customer_name": name,
            "customer_rut": rut,
            "issue_date": issue_date,
            "due_date": due_date,
            "balance": int(balance),
            "days_past_due": max((day - due_date).days, 0) if due_date else 0,
            "state": state,
            "promise_date": promise_date,
        }
        for (
            document_id,
            dte_type,
            folio,
            customer_id,
            name,
            rut,
            issue_date,
            due_date,
            balance,
            state,
            promise_date,
        ) in session.execute(query)
    ]


def payment_delays(session: Session, customer_id: int, day: date) -> list[tuple[int, int]]:
    """The customer's confirmed payments up to ``day``, per invoice they paid: (amount
    applied, days from due date to payment; negative when paid early)."""
    dialect = session.get_bind().dialect.name
    late = days_between(Payment.paid_on, Document.due_date, dialect)
    query = (
        select(PaymentAllocation.amount, late)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .join(Document, Document.id == PaymentAllocation.document_id)
        .where(
            Document.customer_id == customer_id,
            Document.kind == "receivable",
            Document.due_date.is_not(None),
            Payment.status == "confirmed",
            Payment.paid_on <= day,
        )
    )
    return [(int(amount), round(float(days))) for amount, days in session.execute(query)]


def promise_statuses(session: Session, customer_id: int, day: date) -> dict[str, int]:
    """How many of the customer's promises made up to ``day`` are in each status."""
    from totalfact_tui.db.models import Promise

    query = (
        select(Promise.status, func.count())
        .where(Promise.customer_id == customer_id, Promise.created_at < _end_of(day))
        .group_by(Promise.status)
    )
    return {status: int(count) for status, count in session.execute(query)}


def dispute_counts(session: Session, customer_id: int, day: date) -> tuple[int, int]:
    """The customer's disputes opened up to ``day``: (all, still open)."""
    from totalfact_tui.db.models import Dispute

    total, still_open = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Dispute.status == "open", 1), else_=0)), 0),
        ).where(Dispute.customer_id == customer_id, Dispute.created_at < _end_of(day))
    ).one()
    return int(total), int(still_open)
