"""Log a call: contact, result (digits 1-9 pick the most used), reason, promise, next
action, comment. Saved with ctrl+s or F2; a conflict keeps the form and what was typed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from time import monotonic
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input
from textual.widgets.option_list import Option

from totalfact_tui.domain.errors import Conflict, TotalfactError
from totalfact_tui.i18n import error_message, t
from totalfact_tui.services.actions import LoggedAction
from totalfact_tui.tui import format as fmt
from totalfact_tui.tui.widgets.plain import Label, OptionList, Select, Static

if TYPE_CHECKING:
    from totalfact_tui.domain.agenda import AgendaRow
    from totalfact_tui.services.catalog import CatalogEntry
    from totalfact_tui.services.contacts import ContactView
    from totalfact_tui.tui.context import TuiContext


class LogCallModal(ModalScreen[LoggedAction | None]):
    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", t("key.save"), id="log_call.save"),
        Binding("f2", "save", t("key.save"), id="log_call.save_f2"),
        Binding("escape", "cancel", t("key.cancel"), id="log_call.cancel"),
        *[Binding(str(n), f"pick({n})", show=False, id=f"log_call.pick_{n}") for n in range(1, 10)],
    ]

    def __init__(
        self,
        rows: list[AgendaRow],
        contacts: list[ContactView],
        context: TuiContext,
        *,
        contact_id: int | None = None,
        duration_seconds: int | None = None,
        script: str | None = None,
    ) -> None:
        super().__init__()
        self.rows = rows
        self.contacts = contacts
        self.context = context
        self.contact_id = contact_id
        self.duration_seconds = duration_seconds
        self.script = script
        self.versions = {row.document_id: row.version for row in rows}
        self.results = _ordered_results(context)
        self.result: CatalogEntry | None = None
        self.next_edited = False
        self.saving = False
        self.typed = ""
        self.typed_at = 0.0

    @property
    def today(self) -> date:
        return self.context.settings.current_day()

    def compose(self) -> ComposeResult:
        balance = sum(row.balance for row in self.rows)
        folios = ", ".join(fmt.document(r.dte_type, r.folio) for r in self.rows)
        chosen = (
            self.contact_id
            if self.contact_id is not None
            else (self.contacts[0].id if self.contacts else None)
        )
        with Horizontal(id="log-layout"):
            yield from self._form(balance, folios, chosen)
            if self.script:
                with VerticalScroll(id="script-panel"):
                    yield Label(t("log.script"), classes="dialog-title")
                    yield Static(self.script, id="script-text")

    def _form(self, balance: int, folios: str, chosen: int | None) -> ComposeResult:
        lang = self.context.settings.lang
        with VerticalScroll(classes="dialog"):
            customers = {row.customer_id for row in self.rows}
            title = (
                t("log.title", customer=self.rows[0].customer_name)
                if len(customers) == 1
                else t("log.title_batch", count=len(self.rows), customers=len(customers))
            )
            yield Label(title, classes="dialog-title")
            yield Static(t("log.covers", folios=folios, balance=fmt.money(balance)), classes="hint")
            if self.duration_seconds is not None:
                minutes, seconds = divmod(self.duration_seconds, 60)
                yield Static(
                    t("log.duration", time=f"{minutes:02d}:{seconds:02d}"),
                    id="call-duration",
                    classes="hint",
                )
            yield Label(t("log.contact"), classes="field-label")
            yield Select(
                [(c.name + (f" ({c.role})" if c.role else ""), c.id) for c in self.contacts],
                prompt=t("log.no_contact"),
                id="contact",
                value=chosen if chosen is not None else Select.NULL,
                compact=True,
            )
            yield Label(t("log.result"), classes="field-label")
            yield OptionList(
                *[
                    Option(
                        f"{index}  {entry.label(lang)}"
                        if index <= 9
                        else f"   {entry.label(lang)}",
                        id=entry.code,
                    )
                    for index, entry in enumerate(self.results, start=1)
                ],
                id="results",
            )
            yield Label(t("log.reason"), classes="field-label")
            yield Select(
                [(entry.label(lang), entry.code) for entry in self.context.catalogs.reasons],
                prompt=t("log.no_reason"),
                id="reason",
                compact=True,
            )
            with Horizontal(classes="row hidden", id="promise-row"):
                with Vertical():
                    yield Label(t("log.promise_date"), classes="field-label")
                    yield Input(placeholder="dd-mm-aaaa", id="promise-date", compact=True)
                with Vertical():
                    yield Label(t("log.promise_amount"), classes="field-label")
                    yield Input(str(balance), id="promise-amount", compact=True)
            yield Label(t("log.next"), classes="field-label")
            yield Input(placeholder="dd-mm-aaaa · +N", id="next", compact=True)
            yield Label(t("log.comment"), classes="field-label")
            yield Input(id="comment", compact=True)
            yield Static(t("log.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#results", OptionList).focus()

    def on_key(self, event: events.Key) -> None:
        """Type-ahead in the results: letters jump to the first result that starts so."""
        results = self.query_one("#results", OptionList)
        if not results.has_focus or not event.character or not event.character.isalpha():
            return
        now = monotonic()
        self.typed = (self.typed if now - self.typed_at < 1.0 else "") + event.character.lower()
        self.typed_at = now
        lang = self.context.settings.lang
        for index, entry in enumerate(self.results):
            if entry.label(lang).lower().startswith(self.typed):
                results.highlighted = index
                event.stop()
                return

    # -- result and its defaults --------------------------------------------------------
    def action_pick(self, number: int) -> None:
        if number <= len(self.results):
            results = self.query_one("#results", OptionList)
            results.highlighted = number - 1
            self._choose(self.results[number - 1])

    @on(OptionList.OptionHighlighted, "#results")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        entry = next((e for e in self.results if e.code == event.option.id), None)
        if entry is not None:
            self._choose(entry)

    def _choose(self, entry: CatalogEntry) -> None:
        from totalfact_tui.domain.agenda_rules import ResultKind, default_next_action

        self.result = entry
        promise = entry.kind == ResultKind.PROMISE
        self.query_one("#promise-row").set_class(not promise, "hidden")
        promise_date = fmt.parse_day(self.query_one("#promise-date", Input).value, self.today)
        if not self.next_edited:
            suggested = default_next_action(
                entry.kind or "other", self.today, entry.next_action_days, promise_date
            )
            self.query_one("#next", Input).value = fmt.day(suggested)

    @on(Input.Changed, "#next")
    def _next_typed(self, event: Input.Changed) -> None:
        if self.query_one("#next", Input).has_focus:
            self.next_edited = True

    @on(Input.Changed, "#promise-date")
    def _promise_typed(self) -> None:
        if self.result is not None and not self.next_edited:
            self._choose(self.result)

    # -- saving -------------------------------------------------------------------------
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        from totalfact_tui.services.actions import ActionForm

        if self.saving:
            return
        if self.result is None:
            self.notify(t("log.choose_result"), severity="warning")
            return
        contact = self.query_one("#contact", Select).value
        reason = self.query_one("#reason", Select).value
        promise_text = self.query_one("#promise-date", Input).value
        promise_date = fmt.parse_day(promise_text, self.today)
        next_text = self.query_one("#next", Input).value
        next_day = fmt.parse_day(next_text, self.today)
        if next_text.strip() and next_day is None:
            self.notify(t("error.bad_date", value=next_text), severity="error")
            return
        if promise_text.strip() and promise_date is None:
            self.notify(t("error.bad_date", value=promise_text), severity="error")
            return
        amount = fmt.parse_amount(self.query_one("#promise-amount", Input).value)
        form = ActionForm(
            document_ids=tuple(row.document_id for row in self.rows),
            result_code=self.result.code,
            versions=dict(self.versions),
            reason_code=reason if isinstance(reason, str) else None,
            contact_id=contact if isinstance(contact, int) else None,
            promise_date=promise_date,
            promise_amount=amount if self.result.kind == "promise" else None,
            next_action_date=next_day,
            comment=self.query_one("#comment", Input).value,
            duration_seconds=self.duration_seconds,
        )
        self.saving = True
        self.save(form)

    @work(thread=True, exclusive=True, group="log-call")
    def save(self, form: object) -> None:
        from totalfact_tui.services.actions import ActionForm, log_action, log_batch
        from totalfact_tui.services.invoices import current_versions

        assert isinstance(form, ActionForm)
        context = self.context
        groups: dict[int | None, list[int]] = {}
        for row in self.rows:
            groups.setdefault(row.customer_id, []).append(row.document_id)
        try:
            if len(groups) == 1:
                logged = log_action(
                    context.database,
                    context.viewer.username,
                    form,
                    self.today,
                    grace_days=context.settings.grace_days,
                    lead_days=context.settings.lead_days,
                )
            else:
                # A selection over several customers: one action each, one transaction.
                logged = log_batch(
                    context.database,
                    context.viewer.username,
                    [
                        replace(form, document_ids=tuple(ids), contact_id=None, promise_amount=None)
                        for ids in groups.values()
                    ],
                    self.today,
                    grace_days=context.settings.grace_days,
                    lead_days=context.settings.lead_days,
                )[0]
        except Conflict as exc:
            versions = current_versions(context.database, list(form.document_ids))
            self.app.call_from_thread(self._conflict, error_message(exc), versions)
            return
        except TotalfactError as exc:
            self.app.call_from_thread(self._failed, error_message(exc))
            return
        except Exception as exc:
            self.app.call_from_thread(
                self._failed,
                t("error.unexpected", kind=type(exc).__name__, detail=str(exc)[:200], log="-"),
            )
            return
        self.app.call_from_thread(self.dismiss, logged)

    def _failed(self, message: str) -> None:
        self.saving = False
        self.notify(message, severity="error", timeout=8)

    def _conflict(self, message: str, versions: dict[int, int]) -> None:
        """Someone else changed an invoice: say so, take the new versions, keep the form."""
        self.saving = False
        self.versions.update(versions)
        self.notify(message + " " + t("log.review_and_save"), severity="warning", timeout=10)


def _ordered_results(context: TuiContext) -> list[CatalogEntry]:
    """Results with the user's most used first (so 1-9 are the commonest calls)."""
    usage = context.result_usage
    entries = list(context.catalogs.results)
    rank = {code: index for index, code in enumerate(usage)}
    return sorted(entries, key=lambda e: (rank.get(e.code, len(rank)), entries.index(e)))
