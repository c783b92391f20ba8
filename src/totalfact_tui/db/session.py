"""Engine factory and sessions.

SQLite gets WAL, foreign keys and a busy timeout on every connection, and write
transactions begin with ``BEGIN IMMEDIATE``: a read-then-write transaction opened as
a deferred ``BEGIN`` fails with "database is locked" under a second writer, whatever
the busy timeout. Read transactions stay deferred so readers never queue behind writers.

On PostgreSQL, reads run without a transaction (autocommit): its default isolation,
READ COMMITTED, gives each statement its own snapshot either way, so a transaction
around a read only cost a ``BEGIN`` and a ``ROLLBACK`` round trip, and the rollback
dropped psycopg's prepared statements each time. A pooled connection is pinged only
when it has sat idle a while (:data:`PING_AFTER_IDLE_S`), not before every use.
Nothing here runs at import time: an engine exists only once :func:`open_database` runs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DisconnectionError,
    InvalidRequestError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from totalfact_tui.domain.errors import Conflict, DatabaseUnavailable, Forbidden, InvalidValue

SQLITE_BUSY_TIMEOUT_MS = 10_000
_BEGIN_OPTION = "totalfact_begin"
#: A pooled PostgreSQL connection idle longer than this (seconds) is pinged before it
#: is used, so a server restart or a dropped network meanwhile costs a new connection,
#: not an error. One used more recently is trusted: a collector's keys read several
#: times a second, and a ping before each read was a round trip in three.
PING_AFTER_IDLE_S = 5.0
_IDLE_SINCE = "totalfact_idle_since"


def mask_url(url: str | URL) -> str:
    """The URL with its password hidden, for messages and ``config show``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise InvalidValue("error.bad_database_url", url=url) from exc


def _prepare_sqlite_file(parsed: URL) -> None:
    """Create a missing database file readable by its owner only (mode 0600)."""
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    if path.exists():
        return
    if not path.parent.is_dir():
        raise DatabaseUnavailable(url=str(parsed), reason=f"folder {path.parent} does not exist")
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _install_idle_ping(engine: Engine) -> None:
    """Ping a pooled connection on checkout when it has been idle longer than
    :data:`PING_AFTER_IDLE_S`; a dead one is replaced (the pool retries the checkout
    on :class:`DisconnectionError`). A connection that dies within that time fails its
    next statement; the pool then renews every connection and the next unit of work
    succeeds."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop(_IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return  # a new connection, or one in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"idle connection lost: {exc}") from exc


def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Read sessions never write: on PostgreSQL a read runs in autocommit, where a flush
    would be committed at once instead of being rolled back when the read ends."""
    raise InvalidRequestError("a read session cannot write; use Database.write()")


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url`` with this project's per-dialect settings (no connection yet)."""
    parsed = _parse(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite_file(parsed)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise InvalidValue("error.bad_database_url", url=mask_url(parsed)) from exc
    if engine.dialect.name == "sqlite":
        _install_sqlite_hooks(engine)
    else:
        _install_idle_ping(engine)
    return engine


@dataclass
class Database:
    """An engine plus the two kinds of session the services use."""

    engine: Engine
    _read: sessionmaker[Session] = field(init=False, repr=False)
    _write: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        reader = writer = self.engine
        if self.engine.dialect.name == "sqlite":
            # A deferred BEGIN: one consistent snapshot for the read, and cheap (no
            # round trip), so SQLite reads keep their transaction.
            writer = self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        else:
            reader = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._read = sessionmaker(reader, expire_on_commit=False)
        self._write = sessionmaker(writer, expire_on_commit=False)
        event.listen(self._read, "before_flush", _refuse_flush)
        from totalfact_tui.db.action_counts import count_new_actions

        # Every action written through a session is counted in the same transaction.
        event.listen(self._write, "before_flush", count_new_actions)

    @property
    def url(self) -> str:
        return mask_url(self.engine.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (a flush in it is refused); closing it leaves the
        loaded objects usable (detached, not expired). On SQLite it is one transaction,
        one snapshot; on PostgreSQL each statement sees what was committed before it
        began (autocommit, as READ COMMITTED gives inside a transaction). A refusal met
        while reading (a dry run) keeps its audit record, as in :meth:`write`."""
        try:
            with self._read() as session:
                yield session
        except Forbidden as refused:
            self._keep_refusal(refused)
            raise

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work that commits when the block ends without error. A refused
        action (:class:`Forbidden` with an audit record) rolls the work back and keeps
        the record of the refusal, in a transaction of its own."""
        try:
            with self._write() as session, session.begin():
                yield session
        except StaleDataError as stale:
            # A row changed under this transaction (another user saved first).
            raise Conflict("error.stale") from stale
        except Forbidden as refused:
            self._keep_refusal(refused)
            raise

    def _keep_refusal(self, refused: Forbidden) -> None:
        """Write a refused action's audit record in a transaction of its own (the work
        it was part of has been rolled back)."""
        if refused.record is not None:
            from totalfact_tui.db.models import AuditEntry

            with self._write() as session, session.begin():
                session.add(AuditEntry(**refused.record))

    def check_connection(self) -> None:
        """Connect once, turning failures into a clear :class:`DatabaseUnavailable`."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as exc:
            raise DatabaseUnavailable(url=self.url, reason=_first_line(exc)) from exc

    def dispose(self) -> None:
        self.engine.dispose()


def _first_line(exc: OperationalError) -> str:
    message = str(exc.orig) if exc.orig is not None else str(exc)
    return message.strip().splitlines()[0] if message.strip() else type(exc).__name__


def open_database(url: str, *, echo: bool = False) -> Database:
    """Open (without migrating) the database at ``url`` and check it answers."""
    database = Database(create_db_engine(url, echo=echo))
    database.check_connection()
    return database


@contextmanager
def reading(source: Database | Session) -> Iterator[Session]:
    """A read session: ``source`` itself when a caller already holds one (so a screen's
    data comes from one transaction), else a new one of the database."""
    if isinstance(source, Session):
        yield source
    else:
        with source.read() as session:
            yield session
