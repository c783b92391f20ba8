"""Two collectors on one invoice: never a lost update, never a duplicated or missing
action, and no "database is locked" reaching anyone (SQLite file and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tests.work_data import doc_id
from totalfact_tui.db.models import Action, ActionDocument, Document
from totalfact_tui.db.session import Database

ROOT = Path(__file__).resolve().parents[2]


# PostgreSQL: two sessions open side by side, as two collectors' programs hold them.
# (On SQLite the app never writes from a read transaction: writes start with BEGIN
# IMMEDIATE, and forms carry the versions they read; the two-process test covers it.)
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_sessions_editing_one_invoice_never_lose_an_update(work_db: Database) -> None:
    one = doc_id(work_db, 1)
    first, second = Session(work_db.engine), Session(work_db.engine)
    try:
        mine = first.get(Document, one)
        theirs = second.get(Document, one)
        assert mine is not None and theirs is not None
        theirs.next_action_date = date(2026, 3, 10)
        second.commit()  # the other collector saved first
        mine.next_action_date = date(2026, 3, 20)
        with pytest.raises(StaleDataError):
            first.commit()  # a stale write is refused, not applied over theirs
        first.rollback()
    finally:
        first.close()
        second.close()
    with work_db.read() as session:
        saved = session.get(Document, one)
        assert saved is not None and saved.next_action_date == date(2026, 3, 10)


WORKER = textwrap.dedent(
    """
    import sys
    from datetime import date
    from totalfact_tui.services.database import open_app_database
    from totalfact_tui.services.actions import ActionForm, log_action

    url, username, document, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    database = open_app_database(url)
    for _ in range(count):
        log_action(database, username, ActionForm((document,), "no_contesta"), date(2026, 3, 2))
    database.dispose()
    print("ok")
    """
)


def test_two_processes_log_on_one_invoice_at_once(work_db: Database) -> None:
    """Two programs (two collectors' terminals) log calls on the same invoice at the
    same time: every call is stored exactly once and neither sees an error."""
    one = doc_id(work_db, 1)
    url = work_db.engine.url.render_as_string(hide_password=False)
    count = 15
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, username, str(one), str(count)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for username in ("ana", "jefa")
    ]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        assert out.strip() == "ok" and "locked" not in err
    with work_db.read() as session:
        actions = session.scalar(select(func.count()).select_from(Action))
        links = session.scalar(
            select(func.count())
            .select_from(ActionDocument)
            .where(ActionDocument.document_id == one)
        )
        document = session.get(Document, one)
    assert actions == links == 2 * count
    assert document is not None and document.last_result_code == "no_contesta"
    assert document.version >= 1 + 2 * count  # every save moved the version on


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_stale_write_is_a_clear_conflict(work_db: Database) -> None:
    from sqlalchemy import update

    from totalfact_tui.domain.errors import Conflict
    from totalfact_tui.i18n import error_message

    one = doc_id(work_db, 1)

    def save_over_someone_else() -> None:
        with work_db.write() as session:
            mine = session.get(Document, one)
            assert mine is not None
            with work_db.write() as other:  # someone else saves in between
                other.execute(
                    update(Document).where(Document.id == one).values(version=Document.version + 1)
                )
            mine.next_action_date = date(2026, 3, 20)

    with pytest.raises(Conflict) as conflict:
        save_over_someone_else()
    assert "al mismo tiempo" in error_message(conflict.value)
    with work_db.read() as session:
        saved = session.get(Document, one)
        assert saved is not None and saved.next_action_date != date(2026, 3, 20)


def test_a_contact_edited_meanwhile_is_a_conflict_not_a_lost_update(work_db: Database) -> None:
    from tests.work_data import customer_id
    from totalfact_tui.domain.errors import Conflict
    from totalfact_tui.services.contacts import add_contact, edit_contact

    contact = add_contact(work_db, "ana", customer_id(work_db), {"name": "Rosa Díaz"})
    opened = contact.version  # ana opens the form
    edit_contact(work_db, "jefa", contact.id, {"name": "Rosa Díaz", "phone": "+56 2 2345 6789"})
    with pytest.raises(Conflict):
        edit_contact(work_db, "ana", contact.id, {"name": "Rosa D.", "phone": None}, opened)
    with work_db.read() as session:
        from totalfact_tui.db.models import Contact

        saved = session.get(Contact, contact.id)
        assert saved is not None and saved.phone == "+56 2 2345 6789" and saved.name == "Rosa Díaz"
        current = saved.version
    # Having looked, ana saves on the current version: it goes through.
    edit_contact(work_db, "ana", contact.id, {"name": "Rosa D."}, current)
