"""Agenda filters: state, segment, days overdue, balance, promise, task."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input

from totalfact_tui.domain.agenda import AgendaFilter
from totalfact_tui.domain.journey import OPEN_STATES
from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.widgets.plain import Label, Select, Static

_STATE_ORDER = (
    "nueva",
    "vencida",
    "en_espera",
    "objetada",
    "pagos_parciales",
    "pago_por_confirmar",
)


class FiltersModal(ModalScreen[AgendaFilter | None]):
    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("ctrl+s", "apply", t("key.apply"), id="filters.apply"),
        Binding("f2", "apply", t("key.apply"), id="filters.apply_f2"),
        Binding("escape", "cancel", t("key.cancel"), id="filters.cancel"),
    ]

    def __init__(self, current: AgendaFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        c = self.current
        yes_no = [(t("yes"), "yes"), (t("no"), "no")]
        with VerticalScroll(classes="dialog"):
            yield Label(t("filters.title"), classes="dialog-title")
            yield Label(t("filters.state"), classes="field-label")
            yield Select(
                [(fmt.state(s), s) for s in _STATE_ORDER if s in OPEN_STATES],
                prompt=t("filters.any"),
                id="filter-state",
                value=c.states[0] if c.states else Select.NULL,
                compact=True,
            )
            yield Label(t("filters.segment"), classes="field-label")
            yield Input(c.segment or "", id="filter-segment", compact=True)
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(t("filters.min_overdue"), classes="field-label")
                    yield Input(
                        _text(c.min_overdue), compact=True, id="filter-min-overdue", type="integer"
                    )
                with Vertical():
                    yield Label(t("filters.max_overdue"), classes="field-label")
                    yield Input(
                        _text(c.max_overdue), compact=True, id="filter-max-overdue", type="integer"
                    )
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(t("filters.min_balance"), classes="field-label")
                    yield Input(
                        _text(c.min_balance), compact=True, id="filter-min-balance", type="integer"
                    )
                with Vertical():
                    yield Label(t("filters.max_balance"), classes="field-label")
                    yield Input(
                        _text(c.max_balance), compact=True, id="filter-max-balance", type="integer"
                    )
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(t("filters.has_promise"), classes="field-label")
                    yield Select(
                        yes_no,
                        prompt=t("filters.any"),
                        id="filter-promise",
                        value=_choice(c.has_promise),
                        compact=True,
                    )
                with Vertical():
                    yield Label(t("filters.has_task"), classes="field-label")
                    yield Select(
                        yes_no,
                        prompt=t("filters.any"),
                        id="filter-task",
                        value=_choice(c.has_task),
                        compact=True,
                    )
            yield Static(t("filters.keys"), classes="hint")

    def on_input_submitted(self) -> None:
        self.action_apply()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_apply(self) -> None:
        state = self.query_one("#filter-state", Select).value
        promise = self.query_one("#filter-promise", Select).value
        task = self.query_one("#filter-task", Select).value
        self.dismiss(
            AgendaFilter(
                states=(state,) if isinstance(state, str) else (),
                segment=self.query_one("#filter-segment", Input).value.strip() or None,
                min_overdue=self._number("#filter-min-overdue"),
                max_overdue=self._number("#filter-max-overdue"),
                min_balance=self._number("#filter-min-balance"),
                max_balance=self._number("#filter-max-balance"),
                has_promise=_flag(promise),
                has_task=_flag(task),
            )
        )

    def _number(self, selector: str) -> int | None:
        return fmt.parse_amount(self.query_one(selector, Input).value)


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _choice(value: bool | None) -> object:
    """Select values for a three-way choice (Select.NULL means any)."""
    if value is None:
        return Select.NULL
    return "yes" if value else "no"


def _flag(value: object) -> bool | None:
    return {"yes": True, "no": False}.get(value) if isinstance(value, str) else None
