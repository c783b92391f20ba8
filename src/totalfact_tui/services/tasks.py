"""Tasks (tareas administrativas): what another area must do before the customer pays.

An invoice keeps the deadline of its first open task (``first_task_due``) so the
agenda can flag a breached one without another query. A task can make the invoice wait
for it: it leaves the agenda until the deadline, and comes back as soon as the task is
done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import Area, Customer, Document, Task, User
from totalfact_tui.db.session import Database, reading
from totalfact_tui.db.types import utcnow
from totalfact_tui.domain.agenda_rules import AgendaReason
from totalfact_tui.domain.errors import InvalidValue, NotFound, TotalfactError
from totalfact_tui.services import audit
from totalfact_tui.services.audit import Actor
from totalfact_tui.services.worklist import acting_person, invoices_for_work


@dataclass(frozen=True)
class TaskForm:
    description: str
    due_date: date
    document_ids: tuple[int, ...] = ()
    customer_id: int | None = None
    area_code: str | None = None
    assignee: str | None = None  # a username
    wait: bool = True  # the invoice leaves the agenda until the task is done or due


@dataclass(frozen=True)
class TaskView:
    id: int
    customer_id: int
    customer_name: str
    document_id: int | None
    folio: int | None
    description: str
    area_code: str | None
    assignee: str | None
    due_date: date
    status: str
    overdue: bool


def refresh_first_task_due(session: Session, document_ids: list[int]) -> None:
    """Keep ``documents.first_task_due`` equal to the earliest open task's deadline."""
    if not document_ids:
        return
    session.flush()
    earliest = dict(
        session.execute(
            select(Task.document_id, func.min(Task.due_date))
            .where(Task.document_id.in_(document_ids), Task.status == "open")
            .group_by(Task.document_id)
        ).all()
    )
    for document in session.scalars(select(Document).where(Document.id.in_(document_ids))):
        document.first_task_due = earliest.get(document.id)


def add_in_session(
    session: Session, actor: Actor, form: TaskForm, today: date, documents: list[Document]
) -> list[int]:
    """Create the task(s): one per invoice, or one for the customer."""
    description = form.description.strip()
    if not description:
        raise InvalidValue("task.empty")
    if form.due_date < today:
        raise InvalidValue("task.due_in_past", value=form.due_date.isoformat())
    if form.area_code is None and form.assignee is None:
        raise InvalidValue("task.needs_owner")
    if form.area_code is not None and session.get(Area, form.area_code) is None:
        raise NotFound("error.not_found", entity="área", key=form.area_code)
    assignee_id = None
    if form.assignee is not None:
        assignee_id = session.scalar(
            select(User.id).where(User.username == form.assignee, User.active)
        )
        if assignee_id is None:
            raise NotFound("error.unknown_user", username=form.assignee)
    customer_id = documents[0].customer_id if documents else form.customer_id
    if customer_id is None or session.get(Customer, customer_id) is None:
        raise NotFound("error.not_found", entity="cliente", key=str(form.customer_id))
    targets: list[Document | None] = [*documents] if documents else [None]
    tasks = [
        Task(
            document_id=document.id if document else None,
            customer_id=customer_id,
            description=description,
            area_code=form.area_code,
            assignee_id=assignee_id,
            due_date=form.due_date,
            created_by_id=actor.user_id,
        )
        for document in targets
    ]
    session.add_all(tasks)
    session.flush()
    for document in documents:
        if form.wait and (document.next_action_date or today) < form.due_date:
            document.next_action_date = form.due_date
            document.agenda_reason = AgendaReason.TASK_FOLLOW_UP.value
    refresh_first_task_due(session, [d.id for d in documents])
    for task in tasks:
        audit.record(
            session,
            actor,
            "task",
            task.id,
            "create",
            after={
                "document": task.document_id,
                "area": task.area_code,
                "assignee": form.assignee,
                "due": task.due_date.isoformat(),
                "wait": form.wait,
            },
        )
    return [task.id for task in tasks]


def add_task(database: Database, username: str | None, form: TaskForm, today: date) -> list[int]:
    with database.write() as session:
        actor = acting_person(session, username)
        documents: list[Document] = []
        if form.document_ids:
            documents, _ = invoices_for_work(session, actor, "task", form.document_ids)
        elif form.customer_id is None:
            raise InvalidValue("task.needs_target")
        return add_in_session(session, actor, form, today, documents)


def complete_task(database: Database, username: str | None, task_id: int, today: date) -> None:
    """Mark a task done; an invoice that was waiting for it comes back today."""
    with database.write() as session:
        actor = acting_person(session, username)
        task = session.get(Task, task_id)
        if task is None:
            raise NotFound("error.not_found", entity="tarea", key=str(task_id))
        if task.status != "open":
            raise TotalfactError("task.not_open", id=task_id, status=task.status)
        task.status = "done"
        task.completed_at = utcnow()
        task.completed_by_id = actor.user_id
        if task.document_id is not None:
            document = session.get(Document, task.document_id)
            refresh_first_task_due(session, [task.document_id])
            if (
                document is not None
                and document.is_open
                and document.agenda_reason == AgendaReason.TASK_FOLLOW_UP.value
                and document.first_task_due is None
                and (document.next_action_date or today) > today
            ):
                document.next_action_date = today
        audit.record(session, actor, "task", task.id, "complete", before={"status": "open"})


def list_tasks(
    database: Database | Session,
    today: date,
    *,
    status: str | None = "open",
    customer_id: int | None = None,
    document_ids: list[int] | None = None,
    assignee: str | None = None,
    overdue_only: bool = False,
) -> list[TaskView]:
    with reading(database) as session:
        query = (
            select(Task, Customer.name, Document.folio, User.username)
            .join(Customer, Customer.id == Task.customer_id)
            .outerjoin(Document, Document.id == Task.document_id)
            .outerjoin(User, User.id == Task.assignee_id)
            .order_by(Task.due_date, Task.id)
        )
        if status is not None:
            query = query.where(Task.status == status)
        if customer_id is not None:
            query = query.where(Task.customer_id == customer_id)
        if document_ids is not None:
            query = query.where(Task.document_id.in_(document_ids))
        if assignee is not None:
            query = query.where(User.username == assignee)
        if overdue_only:
            query = query.where(Task.due_date < today)
        return [
            TaskView(
                task.id,
                task.customer_id,
                name,
                task.document_id,
                folio,
                task.description,
                task.area_code,
                username,
                task.due_date,
                task.status,
                task.status == "open" and task.due_date < today,
            )
            for task, name, folio, username in session.execute(query)
        ]
