"""The agenda's records: plain data shared by the query, the services and the faces
(the screens import them without importing the database layer)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

OLDEST = "oldest"
LARGEST = "largest"
ORDERS = (OLDEST, LARGEST)


@dataclass(frozen=True)
class Scope:
    """Whose agenda: a collector, the pools of their groups, and (for managers and
    admins) invoices of customers nobody is assigned to."""

    collector_id: int | None
    group_ids: tuple[int, ...] = ()
    unassigned: bool = False


@dataclass(frozen=True)
class AgendaFilter:
    text: str | None = None
    states: tuple[str, ...] = ()
    segment: str | None = None
    min_overdue: int | None = None
    max_overdue: int | None = None
    min_balance: int | None = None
    max_balance: int | None = None
    has_promise: bool | None = None
    has_task: bool | None = None
    customer_id: int | None = None

    def active(self) -> bool:
        return any(
            value not in (None, (), "")
            for value in (
                self.text,
                self.states,
                self.segment,
                self.min_overdue,
                self.max_overdue,
                self.min_balance,
                self.max_balance,
                self.has_promise,
                self.has_task,
            )
        )


@dataclass(frozen=True)
class Cursor:
    due_date: date | None
    balance: int
    id: int


@dataclass(frozen=True)
class LastAction:
    result_code: str
    result_label: str  # Spanish
    result_label_en: str
    at: datetime
    username: str

    def label(self, lang: str) -> str:
        return self.result_label_en if lang == "en" else self.result_label


@dataclass(frozen=True)
class AgendaRow:
    document_id: int
    version: int
    customer_id: int | None
    customer_name: str
    customer_rut: str
    issuer_rut: str
    dte_type: int
    folio: int
    issue_date: date
    due_date: date | None
    days_overdue: int
    total: int
    balance: int
    currency: str
    state: str | None
    ceded: bool
    next_action_date: date | None
    reason: str | None
    broken_promises: int
    promise_broken: bool
    disputed: bool
    task_pending: bool
    task_overdue: bool
    note_unread: bool
    promise_date: date | None
    promise_amount: int | None
    last_action: LastAction | None
    priority: int = 0
    #: The absent collector (username) this item is covered for, when reassigned.
    covered_for: str | None = None
    #: Another member of the group already working this pool item today (username).
    worked_by: str | None = None

    @classmethod
    def of(cls, **values: Any) -> AgendaRow:
        """The row holding ``values``, every field named: the same row as ``__init__``
        gives, built in a tenth of its time. A frozen dataclass's ``__init__`` sets each
        of these 31 fields through ``object.__setattr__``, a millisecond per agenda
        page; a page builds 50 rows and a full agenda thousands."""
        if values.keys() != _AGENDA_ROW_FIELDS:
            missing = sorted(_AGENDA_ROW_FIELDS - values.keys())
            unknown = sorted(values.keys() - _AGENDA_ROW_FIELDS)
            raise TypeError(f"AgendaRow.of: missing {missing}, unknown {unknown}")
        row = object.__new__(cls)
        row.__dict__.update(values)
        return row


_AGENDA_ROW_FIELDS = frozenset(field.name for field in fields(AgendaRow))


@dataclass
class AgendaPage:
    rows: list[AgendaRow]
    cursor: Cursor | None  # where the next page starts; None when this was the last


@dataclass(frozen=True)
class AgendaTotals:
    items: int
    balance: int
    broken_promises: int
    customers: int


@dataclass(frozen=True)
class CustomerGroup:
    customer_id: int
    customer_name: str
    customer_rut: str
    items: int
    balance: int
    max_days_overdue: int
    broken_promises: int
