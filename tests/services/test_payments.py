"""Payments: partial then the rest, a split, to-confirm, reversal, over-payment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.work_data import TODAY, customer_id, doc_id, document, on_agenda
from totalfact_tui.db.models import AuditEntry, Payment, PaymentAllocation
from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import InvalidValue, TotalfactError
from totalfact_tui.services import payments
from totalfact_tui.services.payments import PaymentForm


def pay(
    db: Database, folios: tuple[int, ...], amount: int, **kwargs: object
) -> payments.RecordedPayment:
    form = PaymentForm(tuple(doc_id(db, f) for f in folios), amount, TODAY, **kwargs)  # type: ignore[arg-type]
    return payments.record_payment(db, "ana", form, TODAY)


def test_partial_payment_then_the_rest(work_db: Database) -> None:
    pay(work_db, (1,), 50_000, reference="TRF-1")
    first = document(work_db, 1)
    assert (first.balance, first.state, first.is_open) == (69_000, "pagos_parciales", True)
    assert 1 in on_agenda(work_db, TODAY)
    pay(work_db, (1,), 69_000)
    paid = document(work_db, 1)
    assert (paid.balance, paid.state, paid.is_open) == (0, "pagada", False)
    assert 1 not in on_agenda(work_db, TODAY)
    assert 1 not in on_agenda(work_db, TODAY + timedelta(days=60))


def test_one_transfer_split_over_three_invoices_oldest_first(work_db: Database) -> None:
    recorded = pay(work_db, (2, 4, 1), 119_000 + 357_000 + 100_000)
    assert recorded.allocations == {
        doc_id(work_db, 1): 119_000,
        doc_id(work_db, 4): 357_000,
        doc_id(work_db, 2): 100_000,
    }
    assert recorded.credit == 0
    assert [document(work_db, f).state for f in (1, 4, 2)] == [
        "pagada",
        "pagada",
        "pagos_parciales",
    ]
    assert document(work_db, 2).balance == 971_000


def test_an_edited_split_is_kept(work_db: Database) -> None:
    one, four = doc_id(work_db, 1), doc_id(work_db, 4)
    pay(work_db, (1, 4), 200_000, allocations={one: 19_000, four: 181_000})
    assert (document(work_db, 1).balance, document(work_db, 4).balance) == (100_000, 176_000)


def test_a_split_cannot_exceed_a_balance_or_the_amount(work_db: Database) -> None:
    one, four = doc_id(work_db, 1), doc_id(work_db, 4)
    with pytest.raises(InvalidValue) as too_big:
        pay(work_db, (1,), 200_000, allocations={one: 150_000})
    assert too_big.value.key == "payment.allocation_too_big"
    with pytest.raises(InvalidValue):
        pay(work_db, (1, 4), 10_000, allocations={one: 9_000, four: 9_000})
    with pytest.raises(InvalidValue) as future:
        payments.record_payment(
            work_db, "ana", PaymentForm((one,), 1_000, TODAY + timedelta(days=1)), TODAY
        )
    assert future.value.key == "payment.future_date"
    with work_db.read() as session:
        assert session.scalar(select(Payment.id)) is None


def test_customer_says_paid_then_confirmed(work_db: Database) -> None:
    recorded = pay(work_db, (1,), 119_000, to_confirm=True)
    claimed = document(work_db, 1)
    assert (claimed.state, claimed.balance) == ("pago_por_confirmar", 119_000)
    assert 1 not in on_agenda(work_db, TODAY)
    assert on_agenda(work_db, TODAY + timedelta(days=1))[1] == "payment_to_confirm"
    payments.confirm_payment(work_db, "jefa", recorded.payment_id, TODAY)
    confirmed = document(work_db, 1)
    assert (confirmed.state, confirmed.balance, confirmed.is_open) == ("pagada", 0, False)


def test_claimed_payment_rejected_goes_back_to_collection(work_db: Database) -> None:
    recorded = pay(work_db, (1,), 119_000, to_confirm=True)
    payments.reject_payment(
        work_db, "ana", recorded.payment_id, TODAY, comment="no está en cartola"
    )
    back = document(work_db, 1)
    assert (back.state, back.balance) == ("vencida", 119_000)
    assert on_agenda(work_db, TODAY)[1] == "payment_rejected"
    with pytest.raises(TotalfactError) as twice:
        payments.confirm_payment(work_db, "ana", recorded.payment_id, TODAY)
    assert twice.value.key == "payment.wrong_status"


def test_a_partial_claim_confirmed_leaves_the_rest_to_collect(work_db: Database) -> None:
    recorded = pay(work_db, (1,), 19_000, to_confirm=True)
    payments.confirm_payment(work_db, "ana", recorded.payment_id, TODAY)
    partly = document(work_db, 1)
    assert (partly.state, partly.balance) == ("pagos_parciales", 100_000)
    assert 1 in on_agenda(work_db, TODAY)


def test_reversal_is_audited_and_never_deletes(work_db: Database) -> None:
    recorded = pay(work_db, (1,), 119_000, method="cheque", reference="CH-99")
    assert document(work_db, 1).state == "pagada"
    payments.reverse_payment(
        work_db, "jefa", recorded.payment_id, TODAY, comment="cheque protestado"
    )
    back = document(work_db, 1)
    assert (back.state, back.balance, back.is_open) == ("vencida", 119_000, True)
    assert on_agenda(work_db, TODAY)[1] == "payment_reversed"
    with work_db.read() as session:
        payment = session.get(Payment, recorded.payment_id)
        assert payment is not None and payment.status == "reversed"
        assert session.scalar(select(PaymentAllocation.amount)) == 119_000
        entries = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "payment")
        ).all()
    assert list(entries) == ["create", "reverse"]
    with pytest.raises(TotalfactError):
        payments.reverse_payment(work_db, "jefa", recorded.payment_id, TODAY)


def test_reversing_one_of_two_partial_payments_keeps_the_other(work_db: Database) -> None:
    first = pay(work_db, (1,), 50_000)
    pay(work_db, (1,), 69_000)
    payments.reverse_payment(work_db, "ana", first.payment_id, TODAY)
    kept = document(work_db, 1)
    assert (kept.state, kept.balance) == ("pagos_parciales", 50_000)


def test_allocations_repeat_their_payments_date_and_whether_it_counts(
    work_db: Database,
) -> None:
    """The reports read "collected" from the allocations alone: they follow every move."""

    def allocations(payment_id: int) -> list[tuple[object, bool]]:
        with work_db.read() as session:
            rows = session.execute(
                select(PaymentAllocation.paid_on, PaymentAllocation.confirmed).where(
                    PaymentAllocation.payment_id == payment_id
                )
            )
            return [tuple(row) for row in rows]  # type: ignore[misc]

    split = pay(work_db, (1, 2), 150_000)
    assert allocations(split.payment_id) == [(TODAY, True), (TODAY, True)]
    payments.reverse_payment(work_db, "jefa", split.payment_id, TODAY)
    assert allocations(split.payment_id) == [(TODAY, False), (TODAY, False)]
    claimed = pay(work_db, (1,), 119_000, to_confirm=True)
    assert allocations(claimed.payment_id) == [(TODAY, False)]
    payments.confirm_payment(work_db, "jefa", claimed.payment_id, TODAY)
    assert allocations(claimed.payment_id) == [(TODAY, True)]
    rejected = pay(work_db, (2,), 10_000, to_confirm=True)
    payments.reject_payment(work_db, "ana", rejected.payment_id, TODAY)
    assert allocations(rejected.payment_id) == [(TODAY, False)]


def test_over_payment_is_a_credit_of_the_customer(work_db: Database) -> None:
    recorded = pay(work_db, (1,), 200_000)
    assert recorded.credit == 81_000
    assert document(work_db, 1).state == "pagada"
    with work_db.read() as session:
        assert payments.customer_credit(session, customer_id(work_db)) == 81_000


def test_a_ceded_invoice_refuses_payments(work_db: Database) -> None:
    with work_db.write() as session:
        ceded = session.get(type(document(work_db, 1)), doc_id(work_db, 1))
        assert ceded is not None
        ceded.ceded = True
    with pytest.raises(TotalfactError) as refused:
        pay(work_db, (1,), 1_000)
    assert refused.value.key == "work.ceded"


def test_pay_in_full_marks_a_selection_paid_in_one_go(work_db: Database) -> None:
    recorded = payments.pay_in_full(
        work_db, "ana", (doc_id(work_db, 1), doc_id(work_db, 4)), TODAY, TODAY
    )
    assert len(recorded) == 1 and recorded[0].credit == 0
    assert {document(work_db, f).state for f in (1, 4)} == {"pagada"}


def test_state_changes_are_in_the_audit_trail(work_db: Database) -> None:
    one = doc_id(work_db, 1)
    before = document(work_db, 1).state
    payments.record_payment(work_db, "ana", PaymentForm((one,), 119_000, TODAY), TODAY)
    with work_db.read() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "invoice", AuditEntry.action == "state")
        ).all()
    assert [(e.username, e.entity_id, e.before, e.after["state"]) for e in entries] == [
        ("ana", str(one), {"state": before}, "pagada")
    ]
