"""Choice fields more than one form offers: the payment method and the email template."""

from __future__ import annotations

from totalfact_tui.domain.collection import PaymentMethod
from totalfact_tui.i18n import t
from totalfact_tui.tui.widgets.plain import Select


def method_select() -> Select[str]:
    return Select(
        [(t(f"payment.{m.value}"), m.value) for m in PaymentMethod],
        value=PaymentMethod.TRANSFER.value,
        allow_blank=False,
        id="method",
        compact=True,
    )


def template_select() -> Select[str]:
    from totalfact_tui.services.messages import EMAIL_KINDS

    return Select(
        [(t(f"template.{kind}"), kind) for kind in EMAIL_KINDS],
        value=EMAIL_KINDS[0],
        allow_blank=False,
        id="email-template",
        compact=True,
    )
