"""The agenda query (DESIGN.md §4): a collector's open invoices due for action by a
day, in priority order, a page at a time.

Each owner part (the collector's own invoices, the pools of their groups, the
unassigned pool for managers) is read from its partial index in priority order and
cut at the page size; the parts are merged and cut again. Pages continue by keyset
(the last row's sort key), never by offset.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    cast,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from totalfact_tui.db.models import (
    Action,
    ActionDocument,
    Customer,
    Document,
    Note,
    NoteRead,
    Promise,
    PromiseDocument,
    ResultCode,
    Task,
    User,
)
from totalfact_tui.domain.agenda import (
    LARGEST,
    OLDEST,
    AgendaFilter,
    AgendaPage,
    AgendaRow,
    AgendaTotals,
    Cursor,
    CustomerGroup,
    LastAction,
    Scope,
)


def _owner_parts(scope: Scope) -> list[ColumnElement[bool]]:
    parts: list[ColumnElement[bool]] = []
    if scope.collector_id is not None:
        parts.append(Document.collector_id == scope.collector_id)
    for group_id in scope.group_ids:
        parts.append(and_(Document.collector_id.is_(None), Document.group_id == group_id))
    if scope.unassigned:
        parts.append(and_(Document.collector_id.is_(None), Document.group_id.is_(None)))
    return parts


def _filters(day: date, filters: AgendaFilter) -> tuple[list[ColumnElement[bool]], bool]:
    """Conditions for ``filters``; the flag says whether customers must be joined."""
    conditions: list[ColumnElement[bool]] = []
    needs_customer = False
    if filters.text:
        text = filters.text.strip()
        compact = text.replace(".", "").replace(" ", "").upper()
        options: list[ColumnElement[bool]] = [Customer.name.ilike(f"%{text}%")]
        if compact:
            options.append(Customer.rut.like(f"{compact}%"))
        if text.isdigit():
            options.append(cast(Document.folio, String) == text)
        conditions.append(or_(*options))
        needs_customer = True
    if filters.states:
        conditions.append(Document.state.in_(filters.states))
    if filters.customer_id is not None:
        conditions.append(Document.customer_id == filters.customer_id)
    if filters.segment:
        conditions.append(Customer.segment == filters.segment)
        needs_customer = True
    if filters.min_overdue is not None:
        conditions.append(Document.due_date <= day - timedelta(days=filters.min_overdue))
    if filters.max_overdue is not None:
        conditions.append(Document.due_date >= day - timedelta(days=filters.max_overdue))
    if filters.min_balance is not None:
        conditions.append(Document.balance >= filters.min_balance)
    if filters.max_balance is not None:
        conditions.append(Document.balance <= filters.max_balance)
    promise = exists().where(
        PromiseDocument.document_id == Document.id,
        Promise.id == PromiseDocument.promise_id,
        Promise.status == "abierta",
    )
    if filters.has_promise is not None:
        conditions.append(promise if filters.has_promise else ~promise)
    task = exists().where(Task.document_id == Document.id, Task.status == "open")
    if filters.has_task is not None:
        conditions.append(task if filters.has_task else ~task)
    return conditions, needs_customer


def _order(order: str) -> list[Any]:
    if order == LARGEST:
        return [Document.balance.desc(), Document.due_date, Document.id]
    return [Document.due_date, Document.balance.desc(), Document.id]


def _after(order: str, cursor: Cursor) -> ColumnElement[bool]:
    due, balance, ident = cursor.due_date, cursor.balance, cursor.id
    if order == LARGEST:
        return or_(
            Document.balance < balance,
            and_(Document.balance == balance, Document.due_date > due),
            and_(Document.balance == balance, Document.due_date == due, Document.id > ident),
        )
    return or_(
        Document.due_date > due,
        and_(Document.due_date == due, Document.balance < balance),
        and_(Document.due_date == due, Document.balance == balance, Document.id > ident),
    )


def _base(
    scope_part: ColumnElement[bool], day: date, filters: AgendaFilter
) -> Select[int, date | None, int]:
    conditions, needs_customer = _filters(day, filters)
    query = select(Document.id, Document.due_date, Document.balance)
    if needs_customer:
        query = query.join(Customer, Customer.id == Document.customer_id)
    # ``is_open`` (not ``is_open = true``) so SQLite matches the partial index predicate.
    return query.where(Document.is_open, Document.next_action_date <= day, scope_part, *conditions)


def agenda_keys(
    session: Session,
    scope: Scope,
    day: date,
    order: str = OLDEST,
    filters: AgendaFilter | None = None,
    after: Cursor | None = None,
    limit: int = 50,
) -> list[Cursor]:
    """The next ``limit`` agenda items after ``after``, as sort keys, in order."""
    filters = filters or AgendaFilter()
    found: list[Cursor] = []
    for part in _owner_parts(scope):
        query = _base(part, day, filters)
        if after is not None:
            query = query.where(_after(order, after))
        for ident, due, balance in session.execute(query.order_by(*_order(order)).limit(limit)):
            found.append(Cursor(due, balance, ident))
    if order == LARGEST:
        found.sort(key=lambda c: (-c.balance, c.due_date or date.max, c.id))
    else:
        found.sort(key=lambda c: (c.due_date or date.max, -c.balance, c.id))
    return found[:limit]


def agenda_page(
    session: Session,
    scope: Scope,
    day: date,
    user_id: int | None,
    order: str = OLDEST,
    filters: AgendaFilter | None = None,
    after: Cursor | None = None,
    limit: int = 50,
) -> AgendaPage:
    keys = agenda_keys(session, scope, day, order, filters, after, limit + 1)
    more = len(keys) > limit
    keys = keys[:limit]
    rows = agenda_rows(session, [key.id for key in keys], day, user_id)
    return AgendaPage(rows, keys[-1] if more and keys else None)


def agenda_rows(
    session: Session, ids: list[int], day: date, user_id: int | None
) -> list[AgendaRow]:
    """Everything a row shows for the documents ``ids``, in that order."""
    if not ids:
        return []
    documents = {
        document.id: (document, customer)
        for document, customer in session.execute(
            select(Document, Customer)
            .outerjoin(Customer, Customer.id == Document.customer_id)
            .where(Document.id.in_(ids))
        )
    }
    last: dict[int, LastAction] = {}
    for document_id, occurred_at, code, label, username in session.execute(
        select(
            ActionDocument.document_id,
            Action.occurred_at,
            Action.result_code,
            ResultCode.label_es,
            User.username,
        )
        .join(Action, Action.id == ActionDocument.action_id)
        .join(ResultCode, ResultCode.code == Action.result_code)
        .join(User, User.id == Action.user_id)
        .where(ActionDocument.document_id.in_(ids))
    ):
        current = last.get(document_id)
        if current is None or occurred_at > current.at:
            last[document_id] = LastAction(code, label, occurred_at, username)
    tasks: dict[int, bool] = {}
    for task_document, due in session.execute(
        select(Task.document_id, Task.due_date).where(
            Task.document_id.in_(ids), Task.status == "open"
        )
    ):
        if task_document is not None:
            tasks[task_document] = tasks.get(task_document, False) or due < day
    unread: set[int] = set()
    if user_id is not None:
        unread = set(
            session.scalars(
                select(Note.document_id).where(
                    Note.document_id.in_(ids),
                    Note.user_id != user_id,
                    ~exists().where(NoteRead.note_id == Note.id, NoteRead.user_id == user_id),
                )
            )
        )
    promises: dict[int, tuple[date, int]] = {}
    for document_id, promised, amount in session.execute(
        select(PromiseDocument.document_id, Promise.promised_date, Promise.amount)
        .join(Promise, Promise.id == PromiseDocument.promise_id)
        .where(PromiseDocument.document_id.in_(ids), Promise.status == "abierta")
    ):
        promises[document_id] = (promised, amount)
    rows = []
    for priority, document_id in enumerate(ids, start=1):
        document, customer = documents[document_id]
        promise = promises.get(document_id)
        rows.append(
            AgendaRow(
                document_id=document.id,
                version=document.version,
                customer_id=document.customer_id,
                customer_name=customer.name if customer else (document.receiver_name or ""),
                customer_rut=customer.rut if customer else (document.receiver_rut or ""),
                issuer_rut=document.issuer_rut,
                dte_type=document.dte_type,
                folio=document.folio,
                issue_date=document.issue_date,
                due_date=document.due_date,
                days_overdue=max((day - document.due_date).days, 0) if document.due_date else 0,
                total=document.total_amount,
                balance=document.balance,
                currency=document.currency,
                state=document.state,
                ceded=document.ceded,
                next_action_date=document.next_action_date,
                reason=document.agenda_reason,
                broken_promises=document.broken_promises,
                promise_broken=document.promise_broken,
                disputed=document.state == "objetada",
                task_pending=document_id in tasks,
                task_overdue=tasks.get(document_id, False),
                note_unread=document_id in unread,
                promise_date=promise[0] if promise else None,
                promise_amount=promise[1] if promise else None,
                last_action=last.get(document_id),
                priority=priority,
            )
        )
    return rows


def agenda_totals(
    session: Session, scope: Scope, day: date, filters: AgendaFilter | None = None
) -> AgendaTotals:
    filters = filters or AgendaFilter()
    items = balance = broken = 0
    customers: set[int] = set()
    for part in _owner_parts(scope):
        conditions, needs_customer = _filters(day, filters)
        query = select(
            func.count(),
            func.coalesce(func.sum(Document.balance), 0),
            func.coalesce(func.sum(cast(Document.promise_broken, Integer)), 0),
        )
        query = query.select_from(Document)
        if needs_customer:
            query = query.join(Customer, Customer.id == Document.customer_id)
        query = query.where(Document.is_open, Document.next_action_date <= day, part, *conditions)
        count, total, broken_count = session.execute(query).one()
        items += count
        balance += int(total)
        broken += int(broken_count)
        ids = (
            select(Document.customer_id)
            .where(Document.is_open, Document.next_action_date <= day, part)
            .distinct()
        )
        customers.update(c for c in session.scalars(ids) if c is not None)
    return AgendaTotals(items, balance, broken, len(customers))


def customer_groups(
    session: Session,
    scope: Scope,
    day: date,
    order: str = OLDEST,
    filters: AgendaFilter | None = None,
    limit: int = 500,
) -> list[CustomerGroup]:
    """The agenda grouped by customer (a call covers the customer's invoices)."""
    filters = filters or AgendaFilter()
    groups: dict[int, CustomerGroup] = {}
    for part in _owner_parts(scope):
        conditions, _ = _filters(day, filters)
        query = (
            select(
                Customer.id,
                Customer.name,
                Customer.rut,
                func.count(),
                func.sum(Document.balance),
                func.min(Document.due_date),
                func.sum(cast(Document.promise_broken, Integer)),
            )
            .join(Customer, Customer.id == Document.customer_id)
            .where(Document.is_open, Document.next_action_date <= day, part, *conditions)
            .group_by(Customer.id, Customer.name, Customer.rut)
        )
        for customer_id, name, rut, count, total, oldest, broken in session.execute(query):
            overdue = max((day - oldest).days, 0) if oldest else 0
            known = groups.get(customer_id)
            if known is not None:
                count += known.items
                total += known.balance
                overdue = max(overdue, known.max_days_overdue)
                broken += known.broken_promises
            groups[customer_id] = CustomerGroup(
                customer_id, name, rut, count, int(total), overdue, int(broken or 0)
            )
    ordered = sorted(
        groups.values(),
        key=(lambda g: (-g.balance, -g.max_days_overdue))
        if order == LARGEST
        else (lambda g: (-g.max_days_overdue, -g.balance)),
    )
    return ordered[:limit]
