"""Add a task for another area or a person, with a deadline; the invoice can wait for
it (off the agenda until it is done or due)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Input

from totalfact_tui.domain.errors import InvalidValue
from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.modals.form import FormModal
from totalfact_tui.tui.widgets.plain import Label, Select, Static

if TYPE_CHECKING:
    from totalfact_tui.domain.agenda import AgendaRow
    from totalfact_tui.tui.context import TuiContext

DEFAULT_DAYS = 3


class TaskModal(FormModal):
    def __init__(
        self, rows: list[AgendaRow], people: list[tuple[str, str]], context: TuiContext
    ) -> None:
        super().__init__(context)
        self.rows = rows
        self.people = people  # (name, username)

    def compose(self) -> ComposeResult:
        lang = self.context.settings.lang
        due = self.context.settings.current_day() + timedelta(days=DEFAULT_DAYS)
        folios = ", ".join(fmt.document(r.dte_type, r.folio) for r in self.rows)
        with VerticalScroll(classes="dialog"):
            yield Label(t("task.title", folios=folios), classes="dialog-title")
            yield Label(t("task.description"), classes="field-label")
            yield Input(id="task-description", compact=True)
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(t("task.area"), classes="field-label")
                    yield Select(
                        [(a.label(lang), a.code) for a in self.context.catalogs.areas],
                        prompt=t("task.no_area"),
                        id="task-area",
                        compact=True,
                    )
                with Vertical():
                    yield Label(t("task.assignee"), classes="field-label")
                    yield Select(
                        self.people, prompt=t("task.nobody"), id="task-assignee", compact=True
                    )
            yield Label(t("task.due"), classes="field-label")
            yield Input(fmt.day(due), id="task-due", compact=True)
            yield Checkbox(t("task.wait"), value=True, id="task-wait", compact=True)
            yield Static(t("form.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#task-description", Input).focus()

    def service_call(self) -> Callable[[], object]:
        from totalfact_tui.services.tasks import TaskForm, add_task

        today = self.context.settings.current_day()
        description = self.query_one("#task-description", Input).value
        area = self.query_one("#task-area", Select).value
        assignee = self.query_one("#task-assignee", Select).value
        due_text = self.query_one("#task-due", Input).value
        due = fmt.parse_day(due_text, today)
        wait = self.query_one("#task-wait", Checkbox).value
        context = self.context
        ids = tuple(row.document_id for row in self.rows)

        def call() -> object:
            if due is None:
                raise InvalidValue("error.bad_date", value=due_text)
            return add_task(
                context.database,
                context.viewer.username,
                TaskForm(
                    description,
                    due,
                    document_ids=ids,
                    area_code=area if isinstance(area, str) else None,
                    assignee=assignee if isinstance(assignee, str) else None,
                    wait=wait,
                ),
                today,
            )

        return call
