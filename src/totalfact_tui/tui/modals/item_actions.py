"""A short list of things (payments to confirm, open tasks, active holds...) and the
keys that act on the highlighted one. The service call runs in a worker; success
closes the list, a failure keeps it open with the reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input
from textual.widgets.option_list import Option

from totalfact_tui.domain.errors import TotalfactError
from totalfact_tui.i18n import error_message, t
from totalfact_tui.tui.widgets.plain import Label, OptionList, Static

if TYPE_CHECKING:
    from totalfact_tui.tui.context import TuiContext


@dataclass(frozen=True)
class ItemAction:
    key: str  # the key that runs it (Enter runs the first action)
    label: str  # already translated
    call: Callable[[int, str], object]  # (item id, comment) -> anything


class ItemActionsModal(ModalScreen[bool]):
    CSS_PATH = "modal.tcss"
    BINDINGS = [Binding("escape", "cancel", t("key.cancel"), id="items.cancel")]

    def __init__(
        self,
        title: str,
        items: list[tuple[int, str]],
        actions: list[ItemAction],
        context: TuiContext,
        *,
        comment: bool = False,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.items = items
        self.actions = actions
        self.context = context
        self.with_comment = comment
        self.running = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(
                *[Option(label, id=str(item_id)) for item_id, label in self.items], id="items"
            )
            if self.with_comment:
                yield Label(t("items.comment"), classes="field-label")
                yield Input(id="items-comment", compact=True)
            keys = " · ".join(
                f"{'Enter/' if index == 0 else ''}{action.key}: {action.label}"
                for index, action in enumerate(self.actions)
            )
            yield Static(keys + " · Esc: " + t("key.cancel"), classes="hint")

    def on_mount(self) -> None:
        options = self.query_one("#items", OptionList)
        options.highlighted = 0
        options.focus()

    def on_key(self, event: events.Key) -> None:
        if isinstance(self.focused, Input):
            if event.key == "enter":
                event.stop()
                self._run(self.actions[0])
            return
        for action in self.actions:
            if event.key == action.key:
                event.stop()
                self._run(action)
                return

    @on(OptionList.OptionSelected, "#items")
    def _chosen(self) -> None:
        self._run(self.actions[0])

    def _run(self, action: ItemAction) -> None:
        options = self.query_one("#items", OptionList)
        if self.running or options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        comment = self.query_one("#items-comment", Input).value if self.with_comment else ""
        self.running = True
        self.execute(action, int(option.id or 0), comment)

    @work(thread=True, exclusive=True, group="items")
    def execute(self, action: ItemAction, item_id: int, comment: str) -> None:
        try:
            action.call(item_id, comment)
        except TotalfactError as exc:
            self.app.call_from_thread(self._failed, error_message(exc))
            return
        except Exception as exc:
            message = t("error.unexpected", kind=type(exc).__name__, detail=str(exc)[:200], log="-")
            self.app.call_from_thread(self._failed, message)
            return
        self.app.call_from_thread(self.dismiss, True)

    def _failed(self, message: str) -> None:
        self.running = False
        self.notify(message, severity="error", timeout=8)

    def action_cancel(self) -> None:
        self.dismiss(False)
