"""Engine settings: SQLite pragmas, BEGIN IMMEDIATE for writers, optimistic locking."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm.exc import StaleDataError

from totalfact_tui.db.models import Document
from totalfact_tui.db.session import Database, open_database
from totalfact_tui.domain.errors import Conflict, DatabaseUnavailable, InvalidValue
from totalfact_tui.services.database import open_app_database


def test_sqlite_pragmas_on_every_connection(sqlite_url: str) -> None:
    database = open_database(sqlite_url)
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    database.dispose()


def test_new_sqlite_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "private.db"
    open_database(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_missing_folder_and_bad_urls_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable) as info:
        open_database(f"sqlite:///{tmp_path}/no/such/folder/x.db")
    assert "does not exist" in info.value.params["reason"]
    with pytest.raises(InvalidValue):
        open_database("not a url")
    with pytest.raises(InvalidValue):
        open_database("nosuchdb://host/x")


def test_unreachable_postgresql_is_a_clear_error() -> None:
    with pytest.raises(DatabaseUnavailable) as info:
        open_database("postgresql+psycopg://nobody:secret@127.0.0.1:1/none?connect_timeout=2")
    assert "secret" not in info.value.params["url"]


def test_concurrent_read_then_write_transactions_do_not_fail(sqlite_url: str) -> None:
    """Two writers that read then write: with a deferred BEGIN one gets 'database is
    locked' at once; BEGIN IMMEDIATE makes the second wait its turn."""
    database = open_app_database(sqlite_url)
    with database.write() as session:
        session.execute(text("CREATE TABLE counter (n INTEGER)"))
        session.execute(text("INSERT INTO counter VALUES (0)"))
    errors: list[BaseException] = []

    def bump(times: int) -> None:
        try:
            for _ in range(times):
                with database.write() as session:
                    value = session.execute(text("SELECT n FROM counter")).scalar_one()
                    session.execute(text("UPDATE counter SET n = :n"), {"n": value + 1})
        except BaseException as exc:  # pragma: no cover - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=bump, args=(100,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.read() as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 400
    database.dispose()


def test_optimistic_locking_refuses_a_stale_write(db_url: str) -> None:
    database = open_app_database(db_url)
    with database.write() as session:
        session.add(
            Document(
                issuer_rut="76543210-3",
                dte_type=33,
                folio=1,
                kind="receivable",
                issue_date=date(2026, 1, 1),
                state="nueva",
            )
        )
    # A collector opens the invoice (read), another saves a change meanwhile, then the
    # first saves the form built on the old version: the ORM refuses it, and the user
    # gets a clear conflict (never a lost update, never a traceback).
    with database.read() as session:
        mine = session.scalars(select(Document)).one()
    with database.write() as session:
        session.scalars(select(Document)).one().balance = 100

    def save_my_form() -> None:
        with database.write() as session:
            session.add(mine)
            mine.balance = 200

    with pytest.raises(Conflict) as refused:
        save_my_form()
    assert refused.value.key == "error.stale"
    assert isinstance(refused.value.__cause__, StaleDataError)
    with database.read() as session:
        document = session.scalars(select(Document)).one()
        assert document.balance == 100
        assert document.version == 2
    database.dispose()


def test_importing_every_module_creates_no_engine_or_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code = (
        "import pkgutil, importlib, totalfact_tui\n"
        "for m in pkgutil.walk_packages(totalfact_tui.__path__, 'totalfact_tui.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "import sqlalchemy.pool\n"
        "import gc\n"
        "from sqlalchemy.engine import Engine\n"
        "assert not [o for o in gc.get_objects() if isinstance(o, Engine)]\n"
    )
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(home / "d"),
        "XDG_CONFIG_HOME": str(home / "c"),
        "XDG_STATE_HOME": str(home / "s"),
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert not home.exists()


def test_a_read_session_refuses_to_write(db_url: str) -> None:
    """Reads never write: on PostgreSQL a read runs in autocommit, where a flush would be
    kept at once instead of rolled back; it is refused, and nothing is kept."""
    from sqlalchemy.exc import InvalidRequestError

    from totalfact_tui.db.models import Customer

    database = open_app_database(db_url)

    def write_while_reading() -> None:
        with database.read() as session:
            session.add(Customer(rut="76543210-3", name="Escrita por error"))
            session.flush()

    with pytest.raises(InvalidRequestError, match="read session cannot write"):
        write_while_reading()
    with database.read() as session:
        assert session.scalars(select(Customer)).all() == []
    database.dispose()


@pytest.mark.postgres
def test_postgresql_reads_hold_no_transaction_and_writes_do(pg_url: str) -> None:
    """A read costs PostgreSQL no BEGIN/ROLLBACK round trips and leaves no backend idle
    in a transaction; a write is still one transaction, all or nothing."""
    from psycopg.pq import TransactionStatus

    database = open_app_database(pg_url)

    def status(session: Any) -> TransactionStatus:
        return session.connection().connection.dbapi_connection.info.transaction_status

    with database.read() as session:
        session.execute(text("SELECT 1"))
        assert status(session) == TransactionStatus.IDLE
    with database.write() as session:
        session.execute(text("SELECT 1"))
        assert status(session) == TransactionStatus.INTRANS

    def fail_after_a_statement() -> None:
        with database.write() as session:
            session.execute(text("CREATE TABLE kept (n INTEGER)"))
            raise RuntimeError("the write fails after its first statement")

    with pytest.raises(RuntimeError):
        fail_after_a_statement()
    with database.read() as session:
        assert session.execute(text("SELECT to_regclass('kept')")).scalar() is None
    database.dispose()


def _backend_pid(database: Database) -> int:
    with database.read() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.mark.postgres
def test_a_connection_lost_while_idle_is_replaced_unnoticed(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server drops a pooled connection while it sits idle (a restart, a network
    cut): the next read pings it, finds it dead and uses a new one, with no error."""
    from sqlalchemy import create_engine

    from totalfact_tui.db import session as sessions

    database = open_app_database(pg_url)
    lost = _backend_pid(database)
    admin = create_engine(pg_url)  # another pool: the database's would lend the same one
    with admin.connect() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost}).scalar()
    admin.dispose()
    monkeypatch.setattr(sessions, "PING_AFTER_IDLE_S", 0.0)
    assert _backend_pid(database) != lost
    database.dispose()


@pytest.mark.postgres
def test_a_connection_used_a_moment_ago_is_not_pinged(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads in quick succession (a collector paging) cost one round trip each, not two:
    only a connection idle longer than PING_AFTER_IDLE_S is pinged."""
    from totalfact_tui.db import session as sessions

    database = open_app_database(pg_url)
    pings: list[object] = []
    real_ping = database.engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return bool(real_ping(dbapi_connection))

    monkeypatch.setattr(database.engine.dialect, "do_ping", counted)
    for _ in range(5):
        _backend_pid(database)
    assert pings == []
    monkeypatch.setattr(sessions, "PING_AFTER_IDLE_S", 0.0)
    _backend_pid(database)
    assert len(pings) == 1
    database.dispose()
