"""Moving an installation to another database (``totalfact db copy``): typically a
one-machine SQLite file to a team's PostgreSQL.

Every table is copied, in the order of its foreign keys, in one transaction on the
target (a failure leaves the target as it was), with bulk writes (``COPY`` on
PostgreSQL) and the secondary indexes built once at the end. The copy is then verified:
row counts of every table and money totals must match the source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Table, func, select

from totalfact_tui.db import bulk
from totalfact_tui.db.models import Base
from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import InvalidValue

#: Filled by the migrations (catalogs of results, reasons and areas): replaced by the
#: source's own rows. Any other row makes the target "not empty".
SEEDED = frozenset({"areas", "reason_codes", "result_codes"})

#: Money columns whose sums must agree after the copy (table, column).
TOTALS = (
    ("documents", "total_amount"),
    ("documents", "balance"),
    ("payments", "amount"),
    ("payment_allocations", "amount"),
    ("promises", "amount"),
)

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class TableCheck:
    table: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


@dataclass
class CopyReport:
    tables: list[TableCheck] = field(default_factory=list)
    totals: list[tuple[str, int, int]] = field(default_factory=list)  # name, source, target

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.tables) and all(s == t for _, s, t in self.totals)

    @property
    def rows(self) -> int:
        return sum(check.target for check in self.tables)


def tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _count(connection: Connection, table: Table) -> int:
    return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def check_target_empty(target: Database) -> None:
    """The target must hold no data of its own (a freshly migrated database)."""
    with target.engine.connect() as connection:
        held = {
            table.name: count
            for table in tables()
            if table.name not in SEEDED and (count := _count(connection, table))
        }
    if held:
        listed = ", ".join(f"{name} ({count})" for name, count in sorted(held.items())[:5])
        raise InvalidValue("db_copy.target_not_empty", tables=listed, url=target.url)


def copy_database(
    source: Database, target: Database, progress: Progress | None = None
) -> CopyReport:
    """Copy every row of ``source`` into the empty ``target`` (both at the same schema
    revision) and verify the copy before committing it: on any difference (or error)
    the target is left as it was."""
    if source.engine.url == target.engine.url:
        raise InvalidValue("db_copy.same_database", url=source.url)
    check_target_empty(target)
    all_tables = tables()
    with source.engine.connect() as reader, target.engine.begin() as writer:
        for table in reversed(all_tables):
            if table.name in SEEDED:
                writer.execute(table.delete())
        with bulk.indexes_dropped(writer, all_tables):
            for table in all_tables:
                columns = [column.name for column in table.columns]
                rows = reader.execution_options(yield_per=10_000).execute(
                    select(*table.columns).order_by(*table.primary_key.columns)
                )
                copied = bulk.bulk_insert(writer, table, columns, (tuple(row) for row in rows))
                bulk.reset_sequence(writer, table)
                if progress is not None:
                    progress(table.name, copied)
        report = compare(reader, writer)
        if not report.ok:
            raise CopyMismatch(report)
    return report


class CopyMismatch(InvalidValue):
    """The copy differs from the source: rolled back (the report says where)."""

    key = "db_copy.mismatch"

    def __init__(self, report: CopyReport) -> None:
        wrong = [c.table for c in report.tables if not c.ok]
        wrong += [name for name, left, right in report.totals if left != right]
        super().__init__(differences=", ".join(wrong))
        self.report = report


def verify(source: Database, target: Database) -> CopyReport:
    """Row counts of every table and the money totals, on both sides."""
    with source.engine.connect() as left, target.engine.connect() as right:
        return compare(left, right)


def compare(left: Connection, right: Connection) -> CopyReport:
    report = CopyReport()
    by_name = {table.name: table for table in tables()}
    for table in by_name.values():
        report.tables.append(TableCheck(table.name, _count(left, table), _count(right, table)))
    for table_name, column in TOTALS:
        total = select(func.coalesce(func.sum(by_name[table_name].c[column]), 0))
        name = f"{table_name}.{column}"
        report.totals.append((name, int(left.scalar(total) or 0), int(right.scalar(total) or 0)))
    return report
