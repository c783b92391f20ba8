"""Jobs that run once at a time from any number of hosts (a lease row): one holder, a
second is refused with who holds it, an expired lease is taken over, the holder then
knows it lost it; the daily jobs and sending mail hold theirs."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import LeaseBusy
from totalfact_tui.services import leases
from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.leases import Held, try_acquire
from totalfact_tui.services.notifications import run_notifications


def test_one_holder_at_a_time_and_take_over_after_expiry(work_db: Database) -> None:
    assert try_acquire(work_db, "job", "host-a:1", 0.5) is None
    other = try_acquire(work_db, "job", "host-b:2", 0.5)
    assert other is not None and other.holder == "host-a:1"
    assert try_acquire(work_db, "job", "host-a:1", 0.5) is None  # renewing is fine
    time.sleep(0.6)
    assert try_acquire(work_db, "job", "host-b:2", 30) is None  # expired: taken over
    assert leases.holder_of(work_db, "job").holder == "host-b:2"  # type: ignore[union-attr]
    leases.release(work_db, "job", "host-a:1")  # not theirs any more: nothing happens
    assert leases.holder_of(work_db, "job").holder == "host-b:2"  # type: ignore[union-attr]
    leases.release(work_db, "job", "host-b:2")
    assert leases.holder_of(work_db, "job") is None


def test_a_held_lease_is_renewed_while_it_works(work_db: Database) -> None:
    with Held(work_db, "long", seconds=0.6) as held:
        time.sleep(1.5)  # longer than the lease: the renewer keeps it
        assert try_acquire(work_db, "long", "intruder", 5) is not None
        assert not held.lost.is_set()
    assert leases.holder_of(work_db, "long") is None  # released at the end


def test_the_holder_learns_it_lost_the_lease(work_db: Database) -> None:
    held = Held(work_db, "stolen", seconds=0.9)
    held.acquire()
    try:
        # Another host takes it (as if this one had stopped renewing it in time).
        from sqlalchemy import update

        from totalfact_tui.db.models import Lease

        with work_db.write() as session:
            session.execute(update(Lease).values(holder="other-host", expires_at=Lease.expires_at))
        assert held.lost.wait(3)
    finally:
        held.release()
    assert leases.holder_of(work_db, "stolen").holder == "other-host"  # type: ignore[union-attr]


def test_many_processes_race_and_exactly_one_wins(db_url: str) -> None:
    """Eight threads, each with its own engine (like hosts), ask at the same moment."""
    databases = [open_app_database(db_url) for _ in range(8)]
    start = threading.Barrier(len(databases))
    winners: list[str] = []

    def ask(index: int) -> None:
        start.wait()
        if try_acquire(databases[index], "race", f"host-{index}", 30) is None:
            winners.append(f"host-{index}")

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(len(databases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert len(winners) == 1
        assert leases.holder_of(databases[0], "race").holder == winners[0]  # type: ignore[union-attr]
    finally:
        for database in databases:
            database.dispose()


def test_daily_jobs_skip_while_another_host_runs_them(work_db: Database) -> None:
    assert try_acquire(work_db, "notify", "host-a:1", 30) is None
    with pytest.raises(LeaseBusy) as refused:
        run_notifications(work_db, date(2026, 11, 26))
    assert refused.value.params["holder"] == "host-a:1"
    leases.release(work_db, "notify", "host-a:1")
    run_notifications(work_db, date(2026, 11, 26))  # free again: it runs


def test_a_second_host_running_a_job_exits_cleanly(cli: object, work_db: Database) -> None:
    from tests.conftest import CliResult

    assert try_acquire(work_db, "dunning", "host-a:1", 30) is None
    url = str(work_db.engine.url.render_as_string(hide_password=False))
    result: CliResult = cli("--db", url, "dunning", "run")  # type: ignore[operator]
    assert result.code == 0, result.err
    assert "ya está corriendo en host-a:1" in result.err
