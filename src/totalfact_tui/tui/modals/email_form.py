"""Compose an email about the selected invoices: pick a template, read the rendered
text, edit it, queue it to the outbox (sending is the outbox's job)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, TextArea

from totalfact_tui.domain.errors import InvalidValue, TotalfactError
from totalfact_tui.i18n import error_message, t
from totalfact_tui.tui.modals.choices import template_select
from totalfact_tui.tui.modals.form import FormModal
from totalfact_tui.tui.widgets.plain import Label, Select, Static

if TYPE_CHECKING:
    from totalfact_tui.domain.agenda import AgendaRow
    from totalfact_tui.services.messages import Draft
    from totalfact_tui.tui.context import TuiContext


class EmailModal(FormModal):
    def __init__(self, rows: list[AgendaRow], contact_id: int | None, context: TuiContext) -> None:
        super().__init__(context)
        self.rows = rows
        self.contact_id = contact_id
        self.draft: Draft | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Label(
                t("email.title", customer=self.rows[0].customer_name), classes="dialog-title"
            )
            yield Label(t("email.template"), classes="field-label")
            yield template_select()
            yield Label(t("email.to"), classes="field-label")
            yield Input(id="email-to", compact=True)
            yield Label(t("email.subject"), classes="field-label")
            yield Input(id="email-subject", compact=True)
            yield Label(t("email.body"), classes="field-label")
            yield TextArea(id="email-body", soft_wrap=True)
            yield Static(t("email.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#email-template", Select).focus()
        self.render_draft(str(self.query_one("#email-template", Select).value))

    def on_input_submitted(self) -> None:
        """Enter in a field does not send an email: ctrl+s does."""

    @on(Select.Changed, "#email-template")
    def _template_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.render_draft(event.value)

    @work(thread=True, exclusive=True, group="email-draft")
    def render_draft(self, kind: str) -> None:
        from totalfact_tui.services.messages import draft_email

        context = self.context
        try:
            draft = draft_email(
                context.database,
                context.viewer.username,
                kind,
                tuple(r.document_id for r in self.rows),
                self.contact_id,
                context.settings.current_day(),
            )
        except TotalfactError as exc:
            self.app.call_from_thread(self.failed, error_message(exc))
            return
        self.app.call_from_thread(self._show, draft)

    def _show(self, draft: Draft) -> None:
        to = self.query_one("#email-to", Input)
        if self.draft is None or not to.value:
            to.value = draft.to
        self.draft = draft
        self.query_one("#email-subject", Input).value = draft.subject
        self.query_one("#email-body", TextArea).text = draft.body

    def service_call(self) -> Callable[[], object]:
        from totalfact_tui.services.messages import queue_email

        draft = self.draft
        to = self.query_one("#email-to", Input).value
        subject = self.query_one("#email-subject", Input).value
        body = self.query_one("#email-body", TextArea).text
        context = self.context

        def call() -> object:
            if draft is None:
                raise InvalidValue("email.no_body")
            return queue_email(
                context.database,
                context.viewer.username,
                replace(draft, to=to, subject=subject, body=body),
            )

        return call
