"""Groups, assignment and the audit trail from the command line (admins run the team;
others are refused with a clear message and an audit entry)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.dte_factory import CUSTOMER_RUT
from tests.work_data import TODAY, on_agenda
from totalfact_tui.db.models import Assignment, Customer, Document
from totalfact_tui.db.session import Database

Cli = Any


def _run(cli: Cli, db: Database, user: str, *args: str) -> Any:
    return cli("--db", db.engine.url.render_as_string(hide_password=False), "--user", user, *args)


def test_groups_and_assignment_move_the_agenda(cli: Cli, work_db: Database) -> None:
    assert _run(cli, work_db, "admin", "groups", "add", "Norte").code == 0
    added = _run(cli, work_db, "admin", "groups", "members", "Norte", "--add", "beto")
    assert added.code == 0 and "beto" in added.out
    listed = json.loads(_run(cli, work_db, "jefa", "groups", "list", "--format", "json").out)
    assert listed == [{"name": "Norte", "description": None, "members": ["beto"]}]
    assert on_agenda(work_db, TODAY, "beto") == {}
    anas = set(on_agenda(work_db, TODAY, "ana"))
    assert anas == {1, 2, 4}
    # A dry run says what would move and moves nothing.
    dry = _run(
        cli, work_db, "admin", "assign", CUSTOMER_RUT, "--to", "Norte", "--dry-run", "--json"
    )
    summary = json.loads(dry.out)
    assert (summary["customers"], summary["kind"], summary["dry_run"]) == (1, "group", True)
    assert on_agenda(work_db, TODAY, "beto") == {}
    done = _run(cli, work_db, "admin", "assign", CUSTOMER_RUT, "--to", "Norte", "--json")
    assert json.loads(done.out)["invoices"] == 4
    # The group's pool is on the agenda of every member; ana's agenda no longer has it.
    assert set(on_agenda(work_db, TODAY, "beto")) == anas
    assert on_agenda(work_db, TODAY, "ana") == {}
    with work_db.read() as session:
        customer = session.scalars(select(Customer)).one()
        assert customer.collector_id is None and customer.group_id is not None
        assert {d.group_id for d in session.scalars(select(Document))} == {customer.group_id}
        history = session.scalars(select(Assignment).order_by(Assignment.id)).all()
        assert len(history) == 1 and history[0].valid_to is None
    # By filter: the segment, to a collector; the earlier assignment is closed.
    back = _run(cli, work_db, "admin", "assign", "--segment", "minería", "--to", "ana")
    assert back.code == 0 and set(on_agenda(work_db, TODAY, "ana")) == anas
    with work_db.read() as session:
        history = session.scalars(select(Assignment).order_by(Assignment.id)).all()
        assert [h.valid_to is None for h in history] == [False, True]
    nobody = _run(cli, work_db, "admin", "assign", "--min-balance", "999999999", "--to", "ana")
    assert nobody.code == 0 and "0 " in nobody.out


def test_only_admins_run_the_team(cli: Cli, work_db: Database) -> None:
    for user, args in (
        ("jefa", ("groups", "add", "Sur")),
        ("ana", ("assign", CUSTOMER_RUT, "--to", "ana")),
        ("jefa", ("users", "add", "zoe", "--name", "Zoe", "--role", "collector")),
    ):
        refused = _run(cli, work_db, user, *args)
        assert refused.code == 1, args
        assert "rol" in refused.err + refused.out and "Traceback" not in refused.err
    trail = json.loads(
        _run(cli, work_db, "admin", "audit", "--format", "json", "--limit", "10").out
    )
    refusals = [
        (e["username"], e["entity"], e["after"]["action"])
        for e in trail
        if e["action"] == "refused"
    ]
    assert sorted(refusals) == [
        ("ana", "assignment", "assign"),
        ("jefa", "group", "add"),
        ("jefa", "user", "create"),
    ]
    only_ana = json.loads(
        _run(cli, work_db, "admin", "audit", "--user", "ana", "--format", "json").out
    )
    assert {e["username"] for e in only_ana} == {"ana"}


def test_audit_rows_cannot_be_changed(work_db: Database) -> None:
    with work_db.read() as session:
        assert session.scalar(text("SELECT count(*) FROM audit_log")) > 0
    for statement in ("UPDATE audit_log SET username = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="read-only"), work_db.write() as session:
            session.execute(text(statement))
    with work_db.read() as session:
        assert session.scalar(text("SELECT count(*) FROM audit_log WHERE username = 'x'")) == 0
