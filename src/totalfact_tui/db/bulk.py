"""Bulk loading for large generated data sets (demo, benchmarks).

The ORM's ``add_all`` runs at about 14k rows/s; this module writes driver-level
batches on SQLite (``executemany`` with tuples) and ``COPY`` on PostgreSQL, with the
secondary indexes (and PostgreSQL's foreign keys) dropped during the load and built
once afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, ForeignKeyConstraint, Index, Table, text
from sqlalchemy.schema import AddConstraint, DropConstraint

from totalfact_tui.db.types import UTCDateTime

BATCH = 20_000
Converter = Callable[[Any], Any]


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_datetime(value: datetime | None) -> str | None:
    """The text UTCDateTime stores on SQLite ("%Y-%m-%d %H:%M:%S.%f" in UTC); isoformat
    is several times faster than strftime."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _identity(value: Any) -> Any:
    return value


def _converters(table: Table, columns: Sequence[str], dialect: str) -> list[Converter]:
    converters: list[Converter] = []
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, JSON):
            converters.append(_json)
        elif dialect != "sqlite":
            converters.append(_identity)
        elif isinstance(column_type, UTCDateTime):
            converters.append(_sqlite_datetime)
        elif isinstance(column_type, Date):
            converters.append(_sqlite_date)
        elif isinstance(column_type, Boolean):
            converters.append(_sqlite_bool)
        else:
            converters.append(_identity)
    return converters


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def bulk_insert(
    connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``; returns the count."""
    dialect = connection.dialect.name
    converters = _converters(table, columns, dialect)
    plain = all(converter is _identity for converter in converters)
    count = 0
    if dialect == "postgresql":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    row if plain else [conv(v) for conv, v in zip(converters, row, strict=True)]
                )
                count += 1
        cursor.close()
        return count
    placeholders = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
    # Convert only the columns that need it (dates, booleans, JSON), in place.
    converting = [(i, conv) for i, conv in enumerate(converters) if conv is not _identity]
    for batch in _batches(rows, BATCH):
        if converting:
            converted: list[tuple[Any, ...]] = []
            for row in batch:
                values = list(row)
                for index, conv in converting:
                    values[index] = conv(values[index])
                converted.append(tuple(values))
            connection.exec_driver_sql(statement, converted)
        else:
            connection.exec_driver_sql(statement, [tuple(row) for row in batch])
        count += len(batch)
    return count


def reset_sequence(connection: Connection, table: Table) -> None:
    """After explicit ids were loaded, let PostgreSQL's sequence continue past them."""
    if connection.dialect.name != "postgresql" or "id" not in table.c:
        return
    connection.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
        )
    )


@contextmanager
def indexes_dropped(connection: Connection, tables: Sequence[Table]) -> Iterator[None]:
    """Drop the secondary indexes of ``tables`` for a load and build them afterwards.
    On PostgreSQL their foreign keys go too: a trigger checks each inserted row against
    its parent (millions of look-ups), while adding the key back checks the whole table
    in one join; a row without its parent still fails the load, in the same transaction."""
    indexes: list[Index] = [index for table in tables for index in table.indexes]
    keys: list[ForeignKeyConstraint] = []
    if connection.dialect.name == "postgresql":
        keys = [key for table in tables for key in table.foreign_key_constraints]
        # Index builds sort in memory rather than in temporary files.
        connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for key in keys:
        connection.execute(DropConstraint(key, if_exists=True))
    for index in indexes:
        index.drop(connection, checkfirst=True)
    yield
    for index in indexes:
        index.create(connection, checkfirst=True)
    for key in keys:
        connection.execute(AddConstraint(key, isolate_from_table=False))
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("ANALYZE")
    else:
        for table in tables:
            connection.exec_driver_sql(f"ANALYZE {table.name}")
