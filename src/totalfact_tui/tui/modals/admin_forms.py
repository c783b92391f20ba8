"""Small forms of the admin screen: cover an absent collector, change a group's
members, assign customers. Saved by the same services as the commands (FormModal: in a
worker, a refusal keeps the form open with the reason)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input

from totalfact_tui.domain.errors import InvalidValue
from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.modals.form import FormModal
from totalfact_tui.tui.widgets.plain import Label, Static

if TYPE_CHECKING:
    from totalfact_tui.tui.context import TuiContext


class ReassignModal(FormModal):
    """Absent collector, who covers (comma-separated), first and last day, split."""

    def compose(self) -> ComposeResult:
        today = fmt.day(self.context.settings.current_day())
        with VerticalScroll(classes="dialog"):
            yield Label(t("admin.reassign.title"), classes="dialog-title")
            for name, value in (
                ("from", ""),
                ("to", ""),
                ("start", today),
                ("end", today),
                ("split", "round-robin"),
            ):
                yield Label(t(f"admin.reassign.{name}"), classes="field-label")
                yield Input(value, id=f"reassign-{name}", compact=True)
            yield Static(t("form.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#reassign-from", Input).focus()

    def service_call(self) -> Callable[[], object]:
        from totalfact_tui.services.reassign import reassign

        today = self.context.settings.current_day()
        values = {
            name: self.query_one(f"#reassign-{name}", Input).value.strip()
            for name in ("from", "to", "start", "end", "split")
        }
        start = fmt.parse_day(values["start"], today)
        end = fmt.parse_day(values["end"], today)
        context = self.context

        def call() -> object:
            if start is None or end is None:
                raise InvalidValue("error.bad_date", value=f"{values['start']} {values['end']}")
            return reassign(
                context.database,
                values["from"],
                values["to"].split(","),
                start,
                end,
                split=values["split"] or "round-robin",
                acting=context.viewer.username,
            )

        return call


class MembersModal(FormModal):
    """``+user`` adds, ``-user`` removes (several, separated by spaces)."""

    def __init__(self, group: str, context: TuiContext) -> None:
        super().__init__(context)
        self.group = group

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(t("admin.members.title", group=self.group), classes="dialog-title")
            yield Label(t("admin.members.changes"), classes="field-label")
            yield Input(placeholder="+usuario -usuario", id="members-changes", compact=True)
            yield Static(t("form.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#members-changes", Input).focus()

    def service_call(self) -> Callable[[], object]:
        from totalfact_tui.services.groups import set_members

        words = self.query_one("#members-changes", Input).value.split()
        add = [word[1:] for word in words if word.startswith("+") and len(word) > 1]
        remove = [word[1:] for word in words if word.startswith("-") and len(word) > 1]
        context, group = self.context, self.group

        def call() -> object:
            if not add and not remove:
                raise InvalidValue("admin.members.nothing")
            return set_members(context.database, group, add, remove, context.viewer.username)

        return call


class AssignModal(FormModal):
    """Assign the chosen customers (by RUT) to a collector or a group; with none chosen,
    those of a segment and/or with an open balance of at least an amount."""

    def __init__(self, context: TuiContext, ruts: list[str]) -> None:
        super().__init__(context)
        self.ruts = ruts

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            if self.ruts:
                title = t("admin.assign.title", count=len(self.ruts))
            else:
                title = t("admin.assign.title_filter")
            yield Label(title, classes="dialog-title")
            if self.ruts:
                yield Static(", ".join(self.ruts[:6]) + (" …" if len(self.ruts) > 6 else ""))
            yield Label(t("admin.assign.to"), classes="field-label")
            yield Input(id="assign-to", compact=True)
            if not self.ruts:
                yield Label(t("admin.assign.segment"), classes="field-label")
                yield Input(id="assign-segment", compact=True)
                yield Label(t("admin.assign.min_balance"), classes="field-label")
                yield Input(id="assign-min-balance", compact=True)
            yield Static(t("form.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#assign-to", Input).focus()

    def service_call(self) -> Callable[[], object]:
        from totalfact_tui.services.assignments import assign

        to = self.query_one("#assign-to", Input).value.strip()
        segment = min_text = ""
        if not self.ruts:
            segment = self.query_one("#assign-segment", Input).value.strip()
            min_text = self.query_one("#assign-min-balance", Input).value.strip()
        context, ruts = self.context, list(self.ruts)

        def call() -> object:
            if not to:
                raise InvalidValue("admin.assign.needs_to")
            min_balance = fmt.parse_amount(min_text) if min_text else None
            if min_text and min_balance is None:
                raise InvalidValue("error.bad_amount", value=min_text)
            return assign(
                context.database,
                to,
                ruts=ruts,
                segment=segment or None,
                min_balance=min_balance,
                acting=context.viewer.username,
            )

        return call
