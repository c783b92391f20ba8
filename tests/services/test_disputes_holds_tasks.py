"""Disputes, holds and tasks keep items off the agenda until their date, and bring them
back by themselves (the agenda invariant of DESIGN.md §4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.work_data import TODAY, customer_id, doc_id, document, on_agenda
from totalfact_tui.db.models import Dispute, DisputeDocument, Task
from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import InvalidValue, TotalfactError
from totalfact_tui.services import disputes, holds, tasks
from totalfact_tui.services.actions import ActionForm, log_action
from totalfact_tui.services.agenda import load_page, person, scope_for


def test_dispute_leaves_the_agenda_until_follow_up_then_resolves(work_db: Database) -> None:
    follow = TODAY + timedelta(days=5)
    dispute_id = disputes.open_dispute(
        work_db,
        "ana",
        disputes.DisputeForm(
            (doc_id(work_db, 1),),
            "diferencia_precio",
            follow,
            comment="Cobran 10 unidades, recibieron 8",
            task=tasks.TaskForm("Revisar guía de despacho", follow, area_code="despacho"),
        ),
        TODAY,
    )
    assert document(work_db, 1).state == "objetada"
    assert 1 not in on_agenda(work_db, TODAY)
    assert on_agenda(work_db, follow)[1] == "dispute_follow_up"
    with work_db.read() as session:
        dispute = session.get(Dispute, dispute_id)
        assert dispute is not None and dispute.task_id is not None
        task = session.get(Task, dispute.task_id)
        assert task is not None and (task.area_code, task.due_date) == ("despacho", follow)
    with pytest.raises(TotalfactError):  # already disputed
        disputes.open_dispute(
            work_db, "ana", disputes.DisputeForm((doc_id(work_db, 1),), "sin_motivo", follow), TODAY
        )
    resolved = disputes.resolve_dispute(
        work_db, "ana", (doc_id(work_db, 1),), "customer_withdrew", TODAY, comment="Aceptan"
    )
    assert resolved == [dispute_id]
    assert document(work_db, 1).state == "vencida"
    assert on_agenda(work_db, TODAY)[1] == "dispute_resolved"
    with work_db.read() as session:
        dispute = session.get(Dispute, dispute_id)
        assert dispute is not None
        assert (dispute.status, dispute.outcome) == ("resolved", "customer_withdrew")


def test_credit_note_expected_comes_back_in_a_week(work_db: Database) -> None:
    disputes.open_dispute(
        work_db,
        "ana",
        disputes.DisputeForm((doc_id(work_db, 4),), "error_factura", TODAY + timedelta(days=2)),
        TODAY,
    )
    disputes.resolve_dispute(work_db, "ana", (doc_id(work_db, 4),), "credit_note_expected", TODAY)
    assert 4 not in on_agenda(work_db, TODAY)
    assert on_agenda(work_db, TODAY + timedelta(days=7))[4] == "dispute_resolved"
    with pytest.raises(InvalidValue):
        disputes.resolve_dispute(work_db, "ana", (doc_id(work_db, 4),), "nonsense", TODAY)


def test_a_call_with_a_dispute_result_records_the_dispute(work_db: Database) -> None:
    log_action(
        work_db,
        "ana",
        ActionForm((doc_id(work_db, 1),), "objeta_factura", reason_code="reclamo_calidad"),
        TODAY,
    )
    with work_db.read() as session:
        linked = session.scalars(select(DisputeDocument.document_id)).all()
        reason = session.scalar(select(Dispute.reason_code))
    assert list(linked) == [doc_id(work_db, 1)] and reason == "reclamo_calidad"
    assert disputes.list_disputes(work_db)[0].folios == (1,)


def test_customer_hold_returns_by_itself_on_its_end_date(work_db: Database) -> None:
    until = TODAY + timedelta(days=10)
    holds.add_hold(
        work_db,
        "ana",
        until=until,
        reason="Pagan a fin de mes",
        today=TODAY,
        customer_id=customer_id(work_db),
    )
    assert on_agenda(work_db, TODAY) == {}
    assert on_agenda(work_db, until - timedelta(days=1)) == {}
    back = on_agenda(work_db, until)
    assert set(back) == {1, 2, 4}  # folio 3 keeps its later first-action date
    assert back[1] == "hold_ended"
    assert [h.reason for h in holds.list_holds(work_db, TODAY)] == ["Pagan a fin de mes"]
    assert holds.list_holds(work_db, until) == []  # expired


def test_invoice_hold_lifted_early(work_db: Database) -> None:
    (hold_id,) = holds.add_hold(
        work_db,
        "ana",
        until=TODAY + timedelta(days=30),
        reason="Proceso legal",
        today=TODAY,
        document_ids=(doc_id(work_db, 1),),
    )
    assert set(on_agenda(work_db, TODAY)) == {2, 4}
    holds.lift_hold(work_db, "ana", hold_id, TODAY)
    assert on_agenda(work_db, TODAY)[1] == "hold_ended"
    with pytest.raises(TotalfactError):
        holds.lift_hold(work_db, "ana", hold_id, TODAY)
    with pytest.raises(InvalidValue):
        holds.add_hold(
            work_db, "ana", until=TODAY, reason="x", today=TODAY, document_ids=(doc_id(work_db, 1),)
        )


def test_task_waits_and_is_flagged_when_overdue(work_db: Database) -> None:
    due = TODAY + timedelta(days=3)
    (task_id,) = tasks.add_task(
        work_db,
        "ana",
        tasks.TaskForm(
            "Reemitir factura con OC correcta",
            due,
            document_ids=(doc_id(work_db, 1),),
            area_code="facturacion",
        ),
        TODAY,
    )
    assert document(work_db, 1).first_task_due == due
    assert 1 not in on_agenda(work_db, TODAY)
    assert on_agenda(work_db, due)[1] == "task_follow_up"
    viewer = person(work_db, "ana")
    later = load_page(work_db, viewer, scope_for(viewer), due + timedelta(days=1)).rows
    row = next(r for r in later if r.folio == 1)
    assert row.task_pending and row.task_overdue
    overdue = tasks.list_tasks(work_db, due + timedelta(days=1), overdue_only=True)
    assert [t.id for t in overdue] == [task_id]
    tasks.complete_task(work_db, "beto", task_id, TODAY)
    assert document(work_db, 1).first_task_due is None
    assert on_agenda(work_db, TODAY)[1] == "task_follow_up"  # back as soon as it is done
    with pytest.raises(TotalfactError):
        tasks.complete_task(work_db, "beto", task_id, TODAY)


def test_task_needs_an_owner_and_a_future_deadline(work_db: Database) -> None:
    with pytest.raises(InvalidValue):
        tasks.add_task(
            work_db, "ana", tasks.TaskForm("x", TODAY, document_ids=(doc_id(work_db, 1),)), TODAY
        )
    with pytest.raises(InvalidValue):
        tasks.add_task(
            work_db,
            "ana",
            tasks.TaskForm(
                "x", TODAY - timedelta(days=1), customer_id=customer_id(work_db), assignee="beto"
            ),
            TODAY,
        )


def test_an_invoice_arriving_for_a_held_customer_waits_too(work_db: Database) -> None:
    from datetime import date

    from tests.dte_factory import Doc, envelope
    from totalfact_tui.services.ingest import IngestSettings, ingest_bytes

    until = TODAY + timedelta(days=10)
    holds.add_hold(
        work_db,
        "ana",
        until=until,
        reason="Fin de mes",
        today=TODAY,
        customer_id=customer_id(work_db),
    )
    late = Doc(9, due_date=date(2026, 2, 1), net=10_000)
    ingest_bytes(work_db, "late.xml", envelope(late), IngestSettings(today=TODAY))
    assert 9 not in on_agenda(work_db, TODAY)
    assert on_agenda(work_db, until)[9] == "hold_ended"
