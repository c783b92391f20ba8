"""Open a dispute (reason, comment, follow-up date, optionally a task for the area that
must answer) and resolve one (outcome, comment, when to call again)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input

from totalfact_tui.domain.collection import DisputeOutcome
from totalfact_tui.domain.errors import InvalidValue
from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.modals.form import FormModal
from totalfact_tui.tui.widgets.plain import Label, Select, Static

if TYPE_CHECKING:
    from totalfact_tui.domain.agenda import AgendaRow
    from totalfact_tui.tui.context import TuiContext

FOLLOW_UP_DAYS = 7


def _folios(rows: list[AgendaRow]) -> str:
    return ", ".join(fmt.document(r.dte_type, r.folio) for r in rows)


class DisputeModal(FormModal):
    def __init__(self, rows: list[AgendaRow], context: TuiContext) -> None:
        super().__init__(context)
        self.rows = rows
        self.versions = {row.document_id: row.version for row in rows}

    def compose(self) -> ComposeResult:
        lang = self.context.settings.lang
        follow = self.context.settings.current_day() + timedelta(days=FOLLOW_UP_DAYS)
        with VerticalScroll(classes="dialog"):
            yield Label(t("dispute.title", folios=_folios(self.rows)), classes="dialog-title")
            yield Label(t("dispute.reason"), classes="field-label")
            yield Select(
                [(entry.label(lang), entry.code) for entry in self.context.catalogs.reasons],
                prompt=t("log.no_reason"),
                id="dispute-reason",
                compact=True,
            )
            yield Label(t("dispute.comment"), classes="field-label")
            yield Input(id="dispute-comment", compact=True)
            yield Label(t("dispute.follow_up"), classes="field-label")
            yield Input(fmt.day(follow), id="dispute-follow", compact=True)
            yield Label(t("dispute.task"), classes="field-label")
            with Horizontal(classes="row"):
                with Vertical():
                    yield Select(
                        [(a.label(lang), a.code) for a in self.context.catalogs.areas],
                        prompt=t("dispute.no_task"),
                        id="dispute-area",
                        compact=True,
                    )
                with Vertical():
                    yield Input(placeholder=t("dispute.task_text"), id="dispute-task", compact=True)
            yield Static(t("form.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#dispute-reason", Select).focus()

    def service_call(self) -> Callable[[], object]:
        from totalfact_tui.services.disputes import DisputeForm, open_dispute
        from totalfact_tui.services.tasks import TaskForm

        today = self.context.settings.current_day()
        reason = self.query_one("#dispute-reason", Select).value
        comment = self.query_one("#dispute-comment", Input).value
        follow_text = self.query_one("#dispute-follow", Input).value
        follow = fmt.parse_day(follow_text, today)
        area = self.query_one("#dispute-area", Select).value
        task_text = self.query_one("#dispute-task", Input).value
        context, versions = self.context, self.versions

        def call() -> object:
            if not isinstance(reason, str):
                raise InvalidValue("dispute.needs_reason")
            if follow is None:
                raise InvalidValue("error.bad_date", value=follow_text)
            task = None
            if isinstance(area, str):
                task = TaskForm(
                    task_text or comment or t("dispute.default_task"), follow, area_code=area
                )
            return open_dispute(
                context.database,
                context.viewer.username,
                DisputeForm(tuple(versions), reason, follow, comment, dict(versions), task),
                today,
                context.settings.lead_days,
            )

        return call


class ResolveDisputeModal(FormModal):
    def __init__(self, rows: list[AgendaRow], context: TuiContext) -> None:
        super().__init__(context)
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(
                t("dispute.resolve_title", folios=_folios(self.rows)), classes="dialog-title"
            )
            yield Label(t("dispute.outcome"), classes="field-label")
            yield Select(
                [(t(f"outcome.{o.value}"), o.value) for o in DisputeOutcome],
                value=DisputeOutcome.CUSTOMER_WITHDREW.value,
                allow_blank=False,
                id="outcome",
                compact=True,
            )
            yield Label(t("dispute.comment"), classes="field-label")
            yield Input(id="resolve-comment", compact=True)
            yield Label(t("dispute.next"), classes="field-label")
            yield Input(placeholder=t("dispute.next_default"), id="resolve-next", compact=True)
            yield Static(t("form.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#outcome", Select).focus()

    def service_call(self) -> Callable[[], object]:
        from totalfact_tui.services.disputes import resolve_dispute

        today = self.context.settings.current_day()
        outcome = str(self.query_one("#outcome", Select).value)
        comment = self.query_one("#resolve-comment", Input).value
        next_text = self.query_one("#resolve-next", Input).value
        next_day = fmt.parse_day(next_text, today)
        context = self.context
        ids = tuple(row.document_id for row in self.rows)

        def call() -> object:
            if next_text.strip() and next_day is None:
                raise InvalidValue("error.bad_date", value=next_text)
            return resolve_dispute(
                context.database,
                context.viewer.username,
                ids,
                outcome,
                today,
                comment,
                next_day,
                context.settings.lead_days,
            )

        return call
