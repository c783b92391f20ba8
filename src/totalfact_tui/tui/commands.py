"""The command palette (ctrl+p): every key of the screen as a command, and "go to
customer / invoice" by name, RUT or folio (looked up in a worker thread)."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from totalfact_tui.i18n import t
from totalfact_tui.tui import format as fmt

if TYPE_CHECKING:
    from totalfact_tui.services.lookup import LookupHit
    from totalfact_tui.tui.app import TotalfactApp


class GoToProvider(Provider):
    """Customers and invoices matching what was typed."""

    @property
    def tui(self) -> TotalfactApp:
        return self.app  # type: ignore[return-value]

    async def discover(self) -> Hits:
        yield DiscoveryHit(t("palette.goto"), self._hint, help=t("palette.goto_help"))

    def _hint(self) -> None:
        self.app.notify(t("palette.goto_help"))

    async def search(self, query: str) -> Hits:
        from totalfact_tui.services.lookup import find

        context = self.tui.context
        if context is None or len(query.strip()) < 2:
            return
        found = await asyncio.to_thread(find, context.database, query)
        for hit in found:
            label = _label(hit)
            yield Hit(
                1.0 if hit.kind == "invoice" else 0.9,
                Text(label),  # a name, not markup
                partial(self.tui.open_invoice, hit.document_id),
                text=label,
                help=t("palette.open_detail"),
            )


def _label(hit: LookupHit) -> str:
    if hit.kind == "invoice" and hit.dte_type is not None and hit.folio is not None:
        return t(
            "palette.invoice",
            document=fmt.document(hit.dte_type, hit.folio),
            customer=hit.customer_name,
            balance=fmt.money(hit.balance),
        )
    return t(
        "palette.customer",
        customer=hit.customer_name,
        rut=hit.customer_rut,
        count=hit.open_invoices,
        balance=fmt.money(hit.balance),
    )
