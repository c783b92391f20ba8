"""Jobs that must run once at a time, from any number of hosts: a lease row names who
holds the job and until when (the same on SQLite and PostgreSQL, no server feature).

The holder renews its lease while it works (a background thread, every third of the
lease's length); if the holder dies, the lease expires and another host takes the job
over. Hosts' clocks are assumed to be in sync (NTP) to within a fraction of the lease.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from totalfact_tui.db.models import Lease
from totalfact_tui.db.session import Database
from totalfact_tui.db.types import utcnow
from totalfact_tui.domain.errors import LeaseBusy

P = ParamSpec("P")
R = TypeVar("R")

#: Default length of a lease: a host that stops renewing loses it after this long.
DEFAULT_SECONDS = 60


@dataclass(frozen=True)
class LeaseView:
    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


def this_process() -> str:
    """A holder name that says where the job runs: host, process id and a random tag
    (two processes never share one, even with a recycled pid)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def try_acquire(database: Database, name: str, holder: str, seconds: float) -> LeaseView | None:
    """Take (or renew) the lease ``name`` for ``seconds``. Returns ``None`` when taken,
    else the lease as someone else holds it."""
    now = utcnow()
    try:
        with database.write() as session:
            lease = session.scalar(select(Lease).where(Lease.name == name).with_for_update())
            if lease is None:
                session.add(
                    Lease(
                        name=name,
                        holder=holder,
                        acquired_at=now,
                        expires_at=now + timedelta(seconds=seconds),
                    )
                )
                return None
            if lease.holder != holder and lease.expires_at > now:
                return _view(lease)
            if lease.holder != holder:
                lease.holder, lease.acquired_at = holder, now
            lease.expires_at = now + timedelta(seconds=seconds)
            return None
    except IntegrityError:
        # Another host inserted the row at the same moment: it has the job.
        current = holder_of(database, name)
        if current is None or current.holder == holder:
            return try_acquire(database, name, holder, seconds)
        return current


def release(database: Database, name: str, holder: str) -> None:
    """Give the lease up (only the holder's own)."""
    with database.write() as session:
        session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


def holder_of(database: Database, name: str) -> LeaseView | None:
    with database.read() as session:
        lease = session.get(Lease, name)
        return None if lease is None else _view(lease)


def list_leases(database: Database) -> list[LeaseView]:
    with database.read() as session:
        return [_view(lease) for lease in session.scalars(select(Lease).order_by(Lease.name))]


def _view(lease: Lease) -> LeaseView:
    return LeaseView(lease.name, lease.holder, lease.acquired_at, lease.expires_at)


class Held:
    """``with Held(database, "dunning"):`` runs the block holding the lease, renewing
    it in the background, and releases it at the end. Raises :class:`LeaseBusy` when
    another process holds it. ``lost`` is set if the lease could not be renewed in
    time (the database was unreachable for longer than the lease, or another host took
    it over): a long-running holder checks it and steps down."""

    def __init__(
        self,
        database: Database,
        name: str,
        seconds: float = DEFAULT_SECONDS,
        holder: str | None = None,
    ) -> None:
        self.database = database
        self.name = name
        self.seconds = seconds
        self.holder = holder or this_process()
        self.lost = threading.Event()
        self._done = threading.Event()
        self._renewer: threading.Thread | None = None

    def acquire(self) -> None:
        other = try_acquire(self.database, self.name, self.holder, self.seconds)
        if other is not None:
            raise LeaseBusy(
                name=self.name,
                holder=other.holder,
                until=other.expires_at.astimezone().strftime("%H:%M:%S"),
            )
        self.lost.clear()
        self._done.clear()
        self._renewer = threading.Thread(target=self._renew, name=f"lease-{self.name}", daemon=True)
        self._renewer.start()

    def release(self) -> None:
        self._done.set()
        if self._renewer is not None:
            self._renewer.join()
            self._renewer = None
        if not self.lost.is_set():
            release(self.database, self.name, self.holder)

    def _renew(self) -> None:
        deadline = utcnow() + timedelta(seconds=self.seconds)
        while not self._done.wait(self.seconds / 3):
            try:
                other = try_acquire(self.database, self.name, self.holder, self.seconds)
            except Exception:
                other = None
                if utcnow() >= deadline:
                    self.lost.set()
                    return
                continue
            if other is not None:
                self.lost.set()
                return
            deadline = utcnow() + timedelta(seconds=self.seconds)

    def __enter__(self) -> Held:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def exclusive(
    name: str,
) -> Callable[[Callable[Concatenate[Database, P], R]], Callable[Concatenate[Database, P], R]]:
    """Run a job (a function whose first argument is the database) holding the lease
    ``name``: from any number of hosts and processes, one runs at a time; the others
    get :class:`LeaseBusy` at once."""

    def wrap(job: Callable[Concatenate[Database, P], R]) -> Callable[Concatenate[Database, P], R]:
        @functools.wraps(job)
        def run(database: Database, /, *args: P.args, **kwargs: P.kwargs) -> R:
            with Held(database, name):
                return job(database, *args, **kwargs)

        return run

    return wrap
