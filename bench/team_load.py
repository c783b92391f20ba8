"""Load: 20 collectors logging calls at once on one PostgreSQL database.

Usage: python bench/team_load.py [--collectors 20] [--seconds 60] [--invoices 20000]
                                 [--pause S] [--no-write]

Builds a fresh demo database (``totalfact_bench_team``), adds collectors until there are
--collectors of them, deals the customers among them, and puts a few invoices in a
pool shared by everyone (so that collectors also save on the same invoices at the same
moment). Then each collector, in its own process, for --seconds: reads the first page
of its agenda, picks an invoice (one in five from the shared pool) and logs a call with
a unique comment. Reports saves per second, the median and p95 save latency (service
call to commit; each process's first save, its cold start, left out), conflicts and
errors, and checks that every save that returned is
stored exactly once and nothing else was. By default each collector saves flat out (a
stress test: 20 processes on the machine's cores); ``--pause S`` waits about S seconds
between saves, as people do. Rewrites the "Team load" section of
BENCHMARKS.md unless --no-write.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from report import machine, record, write_section  # noqa: E402

PG_URL = os.environ.get(
    "TOTALFACT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TODAY = date(2026, 11, 26)
SHARED_GROUP = "Pozo compartido"


def fresh_database(invoices: int) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(PG_URL)
    name = "totalfact_bench_team"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    from totalfact_tui.services.database import open_app_database
    from totalfact_tui.services.demo import DemoOptions, build_demo

    database = open_app_database(url)
    build_demo(
        database, DemoOptions(today=TODAY, invoices=invoices, customers=max(invoices // 50, 40))
    )
    database.dispose()
    return url


def prepare_team(url: str, collectors: int) -> tuple[list[str], list[int]]:
    """Collectors c01..cNN own the customers in turn; everyone is in a shared group
    whose pool holds five open invoices."""
    from sqlalchemy import select, update

    from totalfact_tui.db.models import Customer, Document, Group, GroupMember, User
    from totalfact_tui.services.database import open_app_database
    from totalfact_tui.services.users import add_user

    database = open_app_database(url)
    names = [f"c{number:02d}" for number in range(1, collectors + 1)]
    for name in names:
        add_user(database, name, f"Cobrador {name}", "collector")
    with database.write() as session:
        ids = {u.username: u.id for u in session.scalars(select(User))}
        group = Group(name=SHARED_GROUP)
        session.add(group)
        session.flush()
        session.add_all(GroupMember(group_id=group.id, user_id=ids[name]) for name in names)
        customers = session.scalars(select(Customer.id).order_by(Customer.id)).all()
        for index, customer_id in enumerate(customers):
            owner = ids[names[index % len(names)]]
            session.execute(
                update(Customer)
                .where(Customer.id == customer_id)
                .values(collector_id=owner, group_id=None)
            )
            session.execute(
                update(Document)
                .where(Document.customer_id == customer_id)
                .values(collector_id=owner, group_id=None)
            )
        hot = session.scalars(
            select(Document.id).where(Document.is_open).order_by(Document.id).limit(5)
        ).all()
        session.execute(
            update(Document)
            .where(Document.id.in_(hot))
            .values(collector_id=None, group_id=group.id)
        )
    database.dispose()
    return names, list(hot)


def collector_loop(args: tuple[str, str, float, int, list[int], float]) -> dict[str, object]:
    """One collector's program: agenda, pick, log; until the time is up."""
    url, username, seconds, seed, shared, pause = args
    from totalfact_tui.domain.errors import Conflict, TotalfactError
    from totalfact_tui.services import agenda
    from totalfact_tui.services.actions import ActionForm, log_action
    from totalfact_tui.services.database import open_app_database

    rng = random.Random(seed)
    database = open_app_database(url)
    viewer = agenda.person(database, username)
    scope = agenda.scope_for(viewer)
    latencies: list[float] = []
    saved: list[str] = []
    conflicts = errors = 0
    stop = time.monotonic() + seconds
    count = 0
    while time.monotonic() < stop:
        page = agenda.load_page(database, viewer, scope, TODAY, limit=50).rows
        own = [row.document_id for row in page if row.document_id not in shared]
        choices = shared if (rng.random() < 0.2 or not own) else own
        if not choices:
            break
        document = rng.choice(choices)
        count += 1
        token = f"load-{username}-{count}"
        started = time.perf_counter()
        try:
            log_action(
                database,
                username,
                ActionForm((document,), "no_contesta", comment=token),
                TODAY,
            )
        except Conflict:
            conflicts += 1
            continue
        except TotalfactError:
            errors += 1
            continue
        if saved:  # a process's first save is its cold start (connection, compiling)
            latencies.append((time.perf_counter() - started) * 1000)
        saved.append(token)
        if pause:
            time.sleep(pause * rng.uniform(0.5, 1.5))
    database.dispose()
    return {"latencies": latencies, "saved": saved, "conflicts": conflicts, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--collectors", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--pause", type=float, default=0.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    url = fresh_database(args.invoices)
    names, shared = prepare_team(url, args.collectors)
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with context.Pool(len(names)) as pool:
        results = pool.map(
            collector_loop,
            [(url, name, args.seconds, i, shared, args.pause) for i, name in enumerate(names)],
        )
    elapsed = time.perf_counter() - started
    latencies = sorted(x for r in results for x in r["latencies"])  # type: ignore[attr-defined]
    saved = [token for r in results for token in r["saved"]]  # type: ignore[attr-defined]
    conflicts = sum(int(r["conflicts"]) for r in results)  # type: ignore[call-overload]
    errors = sum(int(r["errors"]) for r in results)  # type: ignore[call-overload]

    from sqlalchemy import func, select

    from totalfact_tui.db.models import Action
    from totalfact_tui.services.database import open_app_database

    database = open_app_database(url)
    with database.read() as session:
        stored = dict(
            session.execute(
                select(Action.comment, func.count())
                .where(Action.comment.like("load-%"))
                .group_by(Action.comment)
            ).all()
        )
    database.dispose()
    once = all(stored.get(token) == 1 for token in saved) and len(stored) == len(saved)
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] if latencies else 0.0
    median = statistics.median(latencies) if latencies else 0.0
    rate = len(saved) / args.seconds
    print(
        f"{len(saved)} saves in {args.seconds:.0f} s ({rate:.1f}/s), median {median:.1f} ms, "
        f"p95 {p95:.1f} ms, conflicts {conflicts}, errors {errors}, "
        f"stored exactly once: {once} (wall {elapsed:.0f} s)"
    )
    how = f"pause {args.pause:g} s" if args.pause else "flat out"
    figure = f"{args.collectors} collectors saving at once ({how})"
    target = ("<", 100.0, "p95") if args.pause else None
    record(f"{figure}: save", "PostgreSQL", median, "ms", p95=p95, target=target)
    record(f"{figure}: lost or doubled saves", "PostgreSQL", 0 if once else 1, "",
           target=("<", 1, "median"))  # fmt: skip
    if args.no_write:
        return
    from sqlalchemy import create_engine, text

    with create_engine(url).connect() as connection:
        server = connection.execute(text("SHOW server_version")).scalar()
    title = "Team load" + (
        f", a pause of about {args.pause:g} s between saves" if args.pause else ", flat out"
    )
    write_section(
        title,
        f"`python bench/team_load.py --collectors {args.collectors} --seconds "
        f"{args.seconds:.0f} --pause {args.pause:g}` ({machine(f'PostgreSQL {server}')}); "
        "a fresh demo of "
        f"{args.invoices:,} invoices, {args.collectors} collectors each in its own process "
        "logging calls on its own agenda (one save in five on five invoices shared by "
        "everyone), each save a service call with its commit.\n\n"
        "| figure | result | target |\n|---|---:|---|\n"
        f"| saves per second (all collectors) | {rate:.1f} | |\n"
        f"| save latency, median | {median:.1f} ms | |\n"
        f"| save latency, p95 | {p95:.1f} ms | < 100 ms |\n"
        f"| conflicts / errors | {conflicts} / {errors} | 0 / 0 |\n"
        f"| every returned save stored exactly once, nothing else | {'yes' if once else 'NO'} "
        "| yes |\n",
    )


if __name__ == "__main__":
    main()
