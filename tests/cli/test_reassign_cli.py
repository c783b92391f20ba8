"""Covering for an absent collector: ``totalfact reassign`` splits their agenda among
others, marks the items as covered, counts actions for whoever logs them, and gives
everything back on undo or when the days are over."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from tests.work_data import TODAY, doc_id, on_agenda
from totalfact_tui.db.models import Action, Document
from totalfact_tui.db.session import Database
from totalfact_tui.services.actions import ActionForm, log_action
from totalfact_tui.services.agenda import settle_day
from totalfact_tui.services.reassign import split_items

Cli = Any


def _run(cli: Cli, db: Database, *args: str) -> Any:
    url = db.engine.url.render_as_string(hide_password=False)
    return cli("--db", url, "--user", "admin", *args)


def test_splits_by_count_and_by_balance() -> None:
    items = [(1, 100), (2, 900), (3, 50), (4, 300)]
    assert split_items(items, ["beto", "jefa"], "round-robin") == {
        1: "beto", 2: "jefa", 3: "beto", 4: "jefa",
    }  # fmt: skip
    # Largest first to whoever holds least: 900 beto; 300 jefa; 100 jefa (400); 50 jefa.
    assert split_items(items, ["beto", "jefa"], "balance") == {
        2: "beto", 4: "jefa", 1: "jefa", 3: "jefa",
    }  # fmt: skip


def test_reassign_cover_and_undo(cli: Cli, work_db: Database) -> None:
    anas = on_agenda(work_db, TODAY, "ana")
    assert set(anas) == {1, 2, 4}
    day = TODAY.isoformat()
    # Until a day far ahead: `totalfact agenda` runs on the real clock, and an absence
    # already over would give the items back before they are shown.
    period = ("--start", day, "--end", "2099-12-31")
    dry = json.loads(
        _run(cli, work_db, "reassign", "--from", "ana", "--to", "beto,jefa", *period,
             "--dry-run", "--json").out
    )  # fmt: skip
    # Every item due by the end (folio 3's first action, 17 March, too), in agenda order
    # (folios 1, 4, 2, 3) dealt in turn.
    assert (dry["from"], dry["items"], dry["to"]) == ("ana", 4, {"beto": 2, "jefa": 2})
    assert set(on_agenda(work_db, TODAY, "ana")) == {1, 2, 4}  # nothing moved
    done = json.loads(
        _run(cli, work_db, "reassign", "--from", "ana", "--to", "beto,jefa", *period,
             "--json").out
    )  # fmt: skip
    assert (done["items"], done["to"]) == (4, {"beto": 2, "jefa": 2})
    assert on_agenda(work_db, TODAY, "ana") == {}
    assert len(on_agenda(work_db, TODAY, "beto")) == 2
    # The receivers see whom they cover for (also in `totalfact agenda`).
    agenda = json.loads(
        cli("--db", work_db.engine.url.render_as_string(hide_password=False), "--user", "beto",
            "agenda", "--date", day, "--format", "json").out
    )  # fmt: skip
    assert [row["covered_for"] for row in agenda] == ["ana", "ana"]
    # beto may act on them; the action is his and says whom he covered for.
    covered = doc_id(work_db, agenda[0]["folio"])
    log_action(work_db, "beto", ActionForm((covered,), "no_contesta"), TODAY)
    with work_db.read() as session:
        action = session.scalars(select(Action)).one()
        assert action.user_id != action.covered_for_id and action.covered_for_id is not None
    # Undo gives everything back to ana.
    undone = _run(cli, work_db, "reassign", "undo", str(done["id"]))
    assert undone.code == 0 and "4" in undone.out
    assert set(on_agenda(work_db, TODAY + timedelta(days=1), "ana")) >= {1, 4}
    with work_db.read() as session:
        assert all(d.covered_for_id is None for d in session.scalars(select(Document)))
    again = _run(cli, work_db, "reassign", "undo", str(done["id"]))
    assert again.code == 1 and "Traceback" not in again.err


def test_items_go_back_when_the_absence_ends(cli: Cli, work_db: Database) -> None:
    day = TODAY.isoformat()
    _run(cli, work_db, "reassign", "--from", "ana", "--to", "beto", "--date", day)
    assert on_agenda(work_db, TODAY, "ana") == {}
    settle_day(work_db, TODAY)  # still the day of the absence: nothing goes back
    assert on_agenda(work_db, TODAY, "ana") == {}
    settle_day(work_db, TODAY + timedelta(days=1))
    assert set(on_agenda(work_db, TODAY + timedelta(days=1), "ana")) >= {1, 4}
    assert on_agenda(work_db, TODAY + timedelta(days=1), "beto") == {}


def test_only_admins_reassign(cli: Cli, work_db: Database) -> None:
    url = work_db.engine.url.render_as_string(hide_password=False)
    refused = cli("--db", url, "--user", "jefa", "reassign", "--from", "ana", "--to", "beto")
    assert refused.code == 1 and "rol" in refused.err + refused.out
    assert on_agenda(work_db, TODAY, "beto") == {}
