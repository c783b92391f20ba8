"""The agenda query (DESIGN.md §4): a collector's open invoices due for action by a
day, in priority order, a page at a time.

Each owner part (the collector's own invoices, the pools of their groups, the
unassigned pool for managers) is read from its partial index in priority order and
cut at the page size; the parts are merged and cut again. Pages continue by keyset
(the last row's sort key), never by offset.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from totalfact_tui.db.models import (
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

#: The owner parts of an agenda: the collector's own invoices, a group's pool, the
#: unassigned pool (managers).
COLLECTOR, GROUP, UNASSIGNED = "collector", "group", "unassigned"


def _owner_keys(scope: Scope) -> list[tuple[str, int | None]]:
    keys: list[tuple[str, int | None]] = []
    if scope.collector_id is not None:
        keys.append((COLLECTOR, scope.collector_id))
    keys += [(GROUP, group_id) for group_id in scope.group_ids]
    if scope.unassigned:
        keys.append((UNASSIGNED, None))
    return keys


def _owner_condition(kind: str, owner: int | BindParameter[Any] | None) -> ColumnElement[bool]:
    """The condition of one owner part (``owner`` a value or a bound parameter)."""
    if kind == COLLECTOR:
        return Document.collector_id == owner
    if kind == GROUP:
        return and_(Document.collector_id.is_(None), Document.group_id == owner)
    return and_(Document.collector_id.is_(None), Document.group_id.is_(None))


def _owner_parts(scope: Scope) -> list[ColumnElement[bool]]:
    return [_owner_condition(kind, owner) for kind, owner in _owner_keys(scope)]


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
    if filters.has_promise is not None:
        promise = exists().where(
            PromiseDocument.document_id == Document.id,
            Promise.id == PromiseDocument.promise_id,
            Promise.status == "abierta",
        )
        conditions.append(promise if filters.has_promise else ~promise)
    if filters.has_task is not None:
        task = exists().where(Task.document_id == Document.id, Task.status == "open")
        conditions.append(task if filters.has_task else ~task)
    return conditions, needs_customer


def _order(order: str) -> list[Any]:
    if order == LARGEST:
        return [Document.balance.desc(), Document.due_date, Document.id]
    return [Document.due_date, Document.balance.desc(), Document.id]


def _after(order: str, due: Any, balance: Any, ident: Any) -> ColumnElement[bool]:
    """Rows after the cursor (due date, balance, id): values or bound parameters. The
    first condition repeats the sort's leading column as a range, so the index scan
    starts at the cursor instead of filtering every row before it."""
    if order == LARGEST:
        return and_(
            Document.balance <= balance,
            or_(
                Document.balance < balance,
                and_(Document.balance == balance, Document.due_date > due),
                and_(Document.balance == balance, Document.due_date == due, Document.id > ident),
            ),
        )
    return and_(
        Document.due_date >= due,
        or_(
            Document.due_date > due,
            and_(Document.due_date == due, Document.balance < balance),
            and_(Document.due_date == due, Document.balance == balance, Document.id > ident),
        ),
    )


#: Everything a row shows comes from the invoice, its customer and (by primary key)
#: the last action's result label; the services keep the last action, the open promise
#: and the first open task's deadline on the invoice. Usernames come from a cache.
_ROW_COLUMNS = (
    Document.id,
    Document.version,
    Document.customer_id,
    Customer.name,
    Customer.rut,
    Document.receiver_name,
    Document.receiver_rut,
    Document.issuer_rut,
    Document.dte_type,
    Document.folio,
    Document.issue_date,
    Document.due_date,
    Document.total_amount,
    Document.balance,
    Document.currency,
    Document.state,
    Document.ceded,
    Document.next_action_date,
    Document.agenda_reason,
    Document.broken_promises,
    Document.promise_broken,
    Document.last_action_at,
    Document.last_result_code,
    ResultCode.label_es,
    ResultCode.label_en,
    Document.last_action_user_id,
    Document.open_promise_date,
    Document.open_promise_amount,
    Document.first_task_due,
    Document.covered_for_id,
    Document.claimed_by_id,
    Document.claimed_on,
    # A note on the invoice by someone else that the viewer has not read, looked up
    # per row of the page in the notes' index (a scalar subquery with LIMIT: PostgreSQL
    # would run an EXISTS once over every note, hashed). A NULL viewer has none unread.
    select(literal(1))
    .where(
        Note.document_id == Document.id,
        Note.user_id != bindparam("viewer"),
        ~exists().where(NoteRead.note_id == Note.id, NoteRead.user_id == bindparam("viewer")),
    )
    .limit(1)
    .scalar_subquery()
    .is_not(None)
    .label("note_unread"),
)


#: Where the row holds the ids of the users it names.
_PEOPLE_AT = tuple(
    next(i for i, column in enumerate(_ROW_COLUMNS) if column is wanted)
    for wanted in (Document.last_action_user_id, Document.covered_for_id, Document.claimed_by_id)
)


@cache
def _row_select() -> Select[*tuple[Any, ...]]:
    """The agenda row's columns and joins, built once (statements are immutable; each
    query adds its own conditions): building it anew cost a millisecond per page."""
    return (
        select(*_ROW_COLUMNS)
        .outerjoin(Customer, Customer.id == Document.customer_id)
        .outerjoin(ResultCode, ResultCode.code == Document.last_result_code)
    )


#: Usernames by id, per engine: a user's id never changes hands, so names are read once
#: (three joins with users cost PostgreSQL 2 ms of planning on every page).
_USERNAMES: WeakKeyDictionary[Engine, dict[int, str]] = WeakKeyDictionary()


def _usernames(session: Session, ids: set[int]) -> dict[int, str]:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    known = _USERNAMES.setdefault(engine, {})
    missing = ids - known.keys()
    if missing:
        query = select(User.id, User.username).where(User.id.in_(missing))
        known.update((user, name) for user, name in session.execute(query))
    return known


def _complete(
    session: Session, found: list[Any], day: date, user_id: int | None
) -> list[AgendaRow]:
    """Agenda rows from rows of :func:`_row_select` (run with the ``viewer`` given)."""
    # The last action's user, the absent collector covered for, who claimed a pool item
    # (by position: a row's attributes by name cost a tenth of a millisecond a page).
    people = {r[i] for r in found for i in _PEOPLE_AT} - {None}
    names = _usernames(session, people) if people else {}
    rows = []
    for priority, r in enumerate(found, start=1):
        (
            document_id,
            version,
            customer_id,
            name,
            rut,
            receiver_name,
            receiver_rut,
            issuer_rut,
            dte_type,
            folio,
            issue_date,
            due,
            total,
            balance,
            currency,
            state,
            ceded,
            next_action_date,
            reason,
            broken_promises,
            promise_broken,
            action_at,
            result_code,
            result_label,
            result_label_en,
            last_user_id,
            promise_date,
            promise_amount,
            task_due,
            covered_for_id,
            claimed_by_id,
            claimed_on,
            note_unread,
        ) = r
        claimed_by = names.get(claimed_by_id) if claimed_by_id is not None else None
        username = names.get(last_user_id) if last_user_id is not None else None
        rows.append(
            AgendaRow.of(
                document_id=document_id,
                version=version,
                customer_id=customer_id,
                customer_name=name if name is not None else (receiver_name or ""),
                customer_rut=rut if rut is not None else (receiver_rut or ""),
                issuer_rut=issuer_rut,
                dte_type=dte_type,
                folio=folio,
                issue_date=issue_date,
                due_date=due,
                days_overdue=max((day - due).days, 0) if due else 0,
                total=total,
                balance=balance,
                currency=currency,
                state=state,
                ceded=ceded,
                next_action_date=next_action_date,
                reason=reason,
                broken_promises=broken_promises,
                promise_broken=promise_broken,
                disputed=state == "objetada",
                task_pending=task_due is not None,
                task_overdue=task_due is not None and task_due < day,
                note_unread=bool(note_unread),
                promise_date=promise_date,
                promise_amount=promise_amount,
                covered_for=names.get(covered_for_id) if covered_for_id is not None else None,
                # Someone else started working this pool item today.
                worked_by=(
                    claimed_by
                    if claimed_on == day and claimed_by_id not in (None, user_id)
                    else None
                ),
                last_action=(
                    LastAction(
                        result_code,
                        result_label or result_code,
                        result_label_en or result_code,
                        action_at,
                        username or "",
                    )
                    if result_code is not None and action_at is not None
                    else None
                ),
                priority=priority,
            )
        )
    return rows


@cache
def _part_statement(kind: str, order: str, paged: bool) -> Select[*tuple[Any, ...]]:
    """One owner part's page without filters, built once with bound parameters (owner,
    day, cursor, limit, viewer): building it per page cost more than running it."""
    query = _row_select().where(
        # ``is_open`` (not ``is_open = true``) so SQLite matches the partial index.
        Document.is_open,
        Document.next_action_date <= bindparam("day"),
        _owner_condition(kind, bindparam("owner")),
    )
    if paged:
        query = query.where(
            _after(order, bindparam("due"), bindparam("balance"), bindparam("after_id"))
        )
    # The page size is written into the statement, not bound: with it known, PostgreSQL
    # finds the generic plan of the prepared statement as cheap as a custom one and
    # keeps it, planning no more (0.8 ms of every page); the order of an index scan
    # cut at the limit is the right plan whoever the owner is.
    return query.order_by(*_order(order)).limit(
        bindparam("limit", type_=Integer(), literal_execute=True)
    )


def _sort_key(order: str) -> Any:
    if order == LARGEST:
        return lambda r: (-r.balance, r.due_date or date.max, r.id)
    return lambda r: (r.due_date or date.max, -r.balance, r.id)


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
    """The next ``limit`` agenda rows after ``after``: one statement per owner part
    (read from its index in order, cut at the page), merged; usernames from a cache."""
    filters = filters or AgendaFilter()
    found: list[Any] = []
    params: dict[str, Any] = {"day": day, "limit": limit + 1, "viewer": user_id}
    if after is not None:
        params.update(due=after.due_date, balance=after.balance, after_id=after.id)
    conditions, _ = _filters(day, filters)
    for kind, owner in _owner_keys(scope):
        query = _part_statement(kind, order, after is not None)
        if conditions:
            query = query.where(*conditions)
        found += session.connection().execute(query, {**params, "owner": owner}).all()
    found.sort(key=_sort_key(order))
    more = len(found) > limit
    rows = _complete(session, found[:limit], day, user_id)
    cursor = None
    if more and rows:
        last = rows[-1]
        cursor = Cursor(last.due_date, last.balance, last.document_id)
    return AgendaPage(rows, cursor)


def agenda_rows(
    session: Session, ids: list[int], day: date, user_id: int | None
) -> list[AgendaRow]:
    """The rows of the documents ``ids`` (open or not), in that order."""
    if not ids:
        return []
    query = _row_select().where(Document.id.in_(ids))
    found = {r[0]: r for r in session.execute(query, {"viewer": user_id})}
    return _complete(session, [found[i] for i in ids if i in found], day, user_id)


def agenda_totals(
    session: Session, scope: Scope, day: date, filters: AgendaFilter | None = None
) -> AgendaTotals:
    filters = filters or AgendaFilter()
    items = balance = broken = customers = 0
    conditions, needs_customer = _filters(day, filters)
    for part in _owner_parts(scope):
        query = select(
            func.count(),
            func.coalesce(func.sum(Document.balance), 0),
            func.coalesce(func.sum(cast(Document.promise_broken, Integer)), 0),
            func.count(func.distinct(Document.customer_id)),
        ).select_from(Document)
        if needs_customer:
            query = query.join(Customer, Customer.id == Document.customer_id)
        query = query.where(Document.is_open, Document.next_action_date <= day, part, *conditions)
        count, total, broken_count, distinct = session.execute(query).one()
        items += count
        balance += int(total)
        broken += int(broken_count)
        customers += distinct  # parts never share a customer (one owner each)
    return AgendaTotals(items, balance, broken, customers)


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
    conditions, _ = _filters(day, filters)
    for part in _owner_parts(scope):
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
