"""Dunning cadences: one email per customer at its worst step, idempotent, skips what
is ceded, disputed, held or has no email, escalates to a call."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.work_data import TODAY, customer_id, doc_id, document, on_agenda
from totalfact_tui.db.models import Customer, Document, OutboxDocument, OutboxMessage
from totalfact_tui.db.session import Database
from totalfact_tui.domain.cadence import DEFAULT_STEPS, Step, parse_steps
from totalfact_tui.services import disputes, dunning, holds


def run(db: Database, day=TODAY, **kwargs: object) -> dunning.DunningResult:  # type: ignore[no-untyped-def]
    return dunning.run_dunning(db, day, DEFAULT_STEPS, **kwargs)  # type: ignore[arg-type]


def queued(db: Database) -> list[OutboxMessage]:
    with db.read() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_one_email_per_customer_at_its_worst_step_and_a_call(work_db: Database) -> None:
    # Folio 1 is 46 days overdue (step +30, hard, with a call), folio 4 ten days (+1),
    # folio 2 falls due in two days (-3, preventive), folio 3 in 18 days (no step yet).
    result = run(work_db)
    assert result.as_dict() == {
        "customers": 1,
        "emails_queued": 1,
        "invoices": 3,
        "skipped": {"ceded": 0, "disputed": 0, "held": 0, "no_email": 0},
    }
    (email,) = queued(work_db)
    assert email.template == "hard_reminder" and email.to_addrs == "pagos@pelambres.cl"
    assert (
        "N° 1," in email.body_text and "N° 4," in email.body_text and "N° 3," not in email.body_text
    )
    assert email.body_html and "<table" in email.body_html
    with work_db.read() as session:
        listed = set(session.scalars(select(OutboxDocument.document_id)))
    assert listed == {doc_id(work_db, f) for f in (1, 2, 4)}
    reasons = on_agenda(work_db, TODAY)
    assert reasons[1] == "cadence_step"


def test_idempotent_the_same_day_and_again_only_on_a_new_step(work_db: Database) -> None:
    run(work_db)
    again = run(work_db)
    assert again.as_dict()["emails_queued"] == 0 and len(queued(work_db)) == 1
    assert run(work_db, TODAY + timedelta(days=1)).as_dict()["emails_queued"] == 0
    # On 7 March folio 4 reaches +15 and folio 2 is one day overdue (+1): a new email,
    # at the customer's worst step (+30), listing every invoice reminded.
    later = run(work_db, TODAY + timedelta(days=5))
    assert later.as_dict()["emails_queued"] == 1
    assert [e.template for e in queued(work_db)] == ["hard_reminder", "hard_reminder"]


def test_disputed_and_held_invoices_are_skipped_others_still_reminded(work_db: Database) -> None:
    disputes.open_dispute(
        work_db,
        "ana",
        disputes.DisputeForm((doc_id(work_db, 1),), "reclamo_calidad", TODAY + timedelta(days=9)),
        TODAY,
    )
    holds.add_hold(
        work_db,
        "ana",
        until=TODAY + timedelta(days=9),
        reason="Pago a fin de mes",
        today=TODAY,
        document_ids=(doc_id(work_db, 4),),
    )
    result = run(work_db)
    assert result.skipped["disputed"] == 1 and result.skipped["held"] == 1
    (email,) = queued(work_db)
    assert email.template == "preventive_reminder"  # folio 2 alone
    assert "N° 2," in email.body_text and "N° 1," not in email.body_text


def test_no_email_ceded_and_dry_run(work_db: Database) -> None:
    dry = run(work_db, dry_run=True)
    assert dry.as_dict()["customers"] == 1 and queued(work_db) == []
    with work_db.write() as session:
        customer = session.get(Customer, customer_id(work_db))
        assert customer is not None
        customer.no_email = True
        ceded = session.get(Document, doc_id(work_db, 4))
        assert ceded is not None
        ceded.ceded = True
    result = run(work_db)
    assert result.skipped["ceded"] == 1 and result.skipped["no_email"] == 2
    assert queued(work_db) == []
    assert on_agenda(work_db, TODAY)[1] == "cadence_step"  # the call still happens
    assert document(work_db, 1).next_action_date <= TODAY


def test_segment_cadence_and_bad_steps(work_db: Database) -> None:
    import pytest

    from totalfact_tui.domain.errors import InvalidValue

    mining = parse_steps([{"days": 40, "template": "soft_reminder", "channels": ["email"]}])
    result = dunning.run_dunning(work_db, TODAY, DEFAULT_STEPS, {"minería": mining})
    (email,) = queued(work_db)
    assert email.template == "soft_reminder" and result.as_dict()["invoices"] == 1
    with pytest.raises(InvalidValue):
        parse_steps([{"days": "x"}])
    with pytest.raises(InvalidValue):
        parse_steps([{"days": 1, "template": "a"}, {"days": 1, "template": "b"}])
    assert parse_steps([{"days": 5, "channels": ["call"]}]) == (Step(5, "", call=True),)
    with work_db.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
