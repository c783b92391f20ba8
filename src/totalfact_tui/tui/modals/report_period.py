"""The report's as-of date and period: three dates as people type them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input

from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.widgets.plain import Label, Static


@dataclass(frozen=True)
class ReportPeriod:
    day: date  # as of
    first: date
    last: date

    @classmethod
    def month_of(cls, day: date) -> ReportPeriod:
        """As of ``day``, over its month up to it (the reports' default)."""
        return cls(day, day.replace(day=1), day)


class ReportPeriodModal(ModalScreen[ReportPeriod | None]):
    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("ctrl+s", "apply", t("key.apply"), id="report_period.apply"),
        Binding("f2", "apply", t("key.apply"), id="report_period.apply_f2"),
        Binding("escape", "cancel", t("key.cancel"), id="report_period.cancel"),
    ]

    def __init__(self, current: ReportPeriod, today: date) -> None:
        super().__init__()
        self.current = current
        self.today = today

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(t("report.period.title"), classes="dialog-title")
            yield Label(t("report.period.as_of"), classes="field-label")
            yield Input(fmt.day(self.current.day), id="period-as-of", compact=True)
            yield Label(t("report.period.from"), classes="field-label")
            yield Input(fmt.day(self.current.first), id="period-from", compact=True)
            yield Label(t("report.period.to"), classes="field-label")
            yield Input(fmt.day(self.current.last), id="period-to", compact=True)
            yield Static(t("report.period.hint"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#period-as-of", Input).focus()

    def on_input_submitted(self) -> None:
        self.action_apply()

    def action_apply(self) -> None:
        values = {}
        for key in ("as-of", "from", "to"):
            text = self.query_one(f"#period-{key}", Input).value
            parsed = fmt.parse_day(text, self.today)
            if parsed is None:
                self.notify(t("error.bad_date", value=text), severity="error")
                return
            values[key] = parsed
        if values["from"] > values["to"]:
            self.notify(t("report.period.reversed"), severity="error")
            return
        self.dismiss(ReportPeriod(values["as-of"], values["from"], values["to"]))

    def action_cancel(self) -> None:
        self.dismiss(None)
