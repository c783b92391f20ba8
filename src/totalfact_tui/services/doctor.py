"""``totalfact doctor``: is this installation ready? A checklist of the database
(reachable, migrated, every index there), the mailbox and the mail server (connect, log
in, list folders; nothing is read, moved or sent), the templates (all render), the
permissions of the SQLite file and the configuration (0600), and the jobs that run once
at a time (who holds them).

Each check is independent: one failing does not stop the others."""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from totalfact_tui.config import Config
from totalfact_tui.db import migrate
from totalfact_tui.db.models import Base
from totalfact_tui.db.session import Database, open_database
from totalfact_tui.domain.errors import TotalfactError
from totalfact_tui.i18n import error_message, t

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"


@dataclass(frozen=True)
class Check:
    name: str  # message key of what was checked
    status: str  # ok | warn | fail | skip
    detail: str  # translated, one line


@dataclass
class Checklist:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.status != FAIL for check in self.checks)

    def add(self, name: str, status: str, detail: str) -> None:
        self.checks.append(Check(name, status, detail))

    def run(self, name: str, check: Callable[[], tuple[str, str]]) -> None:
        """Run one check; an error is that check's failure, with its clear message."""
        try:
            status, detail = check()
        except TotalfactError as exc:
            status, detail = FAIL, error_message(exc)
        except Exception as exc:
            status, detail = FAIL, f"{type(exc).__name__}: {str(exc)[:200]}"
        self.add(name, status, detail)


def run_checks(config: Config) -> Checklist:
    checklist = Checklist()
    database: Database | None = None
    try:
        database = open_database(config.database_url)
    except TotalfactError as exc:
        checklist.add("doctor.database", FAIL, error_message(exc))
    if database is not None:
        try:
            _database_checks(checklist, database)
        finally:
            database.dispose()
    checklist.run("doctor.imap", lambda: _imap(config))
    checklist.run("doctor.smtp", lambda: _smtp(config))
    checklist.run("doctor.templates", _templates)
    checklist.run("doctor.config_file", lambda: _private_file(config.file_path, missing_ok=True))
    if config.database_url.startswith("sqlite"):
        path = make_url(config.database_url).database or ""
        checklist.run("doctor.sqlite_file", lambda: _private_file(Path(path), missing_ok=False))
    return checklist


# --------------------------------------------------------------------------- database


def _database_checks(checklist: Checklist, database: Database) -> None:
    try:
        database.check_connection()
    except TotalfactError as exc:
        checklist.add("doctor.database", FAIL, error_message(exc))
        return
    checklist.add("doctor.database", OK, t("doctor.database.ok", url=database.url))
    current = migrate.current_revision(database)
    checklist.run("doctor.migrated", lambda: _migrated(current))
    checklist.run("doctor.indexes", lambda: _indexes(database, current))
    checklist.run("doctor.jobs", lambda: _jobs(database, current))


def _migrated(current: str | None) -> tuple[str, str]:
    head = migrate.head_revision()
    if current == head:
        return OK, t("doctor.migrated.ok", revision=head)
    return FAIL, t("doctor.migrated.behind", revision=current or t("db.none"), head=head)


def expected_indexes() -> dict[str, set[str]]:
    """Every index the model declares, by table."""
    return {
        table.name: {str(index.name) for index in table.indexes}
        for table in Base.metadata.sorted_tables
        if table.indexes
    }


def missing_indexes(database: Database) -> list[str]:
    inspector = inspect(database.engine)
    present_tables = set(inspector.get_table_names())
    missing = []
    for table, names in sorted(expected_indexes().items()):
        if table not in present_tables:
            missing.append(table)
            continue
        present = {index["name"] for index in inspector.get_indexes(table)}
        missing += [f"{table}.{name}" for name in sorted(names - present)]
    return missing


def _indexes(database: Database, current: str | None) -> tuple[str, str]:
    if current is None:
        return SKIP, t("doctor.indexes.no_schema")
    missing = missing_indexes(database)
    if missing:
        return FAIL, t("doctor.indexes.missing", names=", ".join(missing[:8]), count=len(missing))
    return OK, t("doctor.indexes.ok", count=sum(len(v) for v in expected_indexes().values()))


def _jobs(database: Database, current: str | None) -> tuple[str, str]:
    from totalfact_tui.db.types import utcnow
    from totalfact_tui.services.leases import list_leases
    from totalfact_tui.services.watch_status import statuses

    if current != migrate.head_revision():
        return SKIP, t("doctor.indexes.no_schema")
    now = utcnow()
    running = [
        t("doctor.jobs.held", name=lease.name, holder=lease.holder)
        for lease in list_leases(database)
        if lease.expires_at > now
    ]
    watched = statuses(database)
    last = max((s.last_check_at for s in watched if s.last_check_at), default=None)
    if last is None:
        seen = t("doctor.jobs.never_watched")
    else:
        seen = t("doctor.jobs.last_watch", when=last.astimezone().strftime("%d-%m-%Y %H:%M"))
    return OK, "; ".join([*running, seen]) if running else t("doctor.jobs.none", seen=seen)


# --------------------------------------------------------------------------- mail


def _imap(config: Config) -> tuple[str, str]:
    from totalfact_tui.services import watch

    if not config.get("imap.host"):
        return SKIP, t("doctor.not_configured", setting="imap.host")
    settings = watch.settings_from_config(config)
    mailbox = watch.connect(settings)
    try:
        folders = mailbox.folder_names()
    finally:
        mailbox.close()
    if settings.mailbox not in folders:
        return FAIL, t("doctor.imap.no_mailbox", mailbox=settings.mailbox, host=settings.host)
    detail = t("doctor.imap.ok", host=settings.host, user=settings.username, count=len(folders))
    absent = [name for name in settings.folders if name not in folders]
    if absent:  # the watcher creates them on its first run
        detail += " " + t("doctor.imap.to_create", names=", ".join(absent))
    return OK, detail


def _smtp(config: Config) -> tuple[str, str]:
    from totalfact_tui.mail import smtp
    from totalfact_tui.services.outbox import settings_from_values

    if not config.get("smtp.host"):
        return SKIP, t("doctor.not_configured", setting="smtp.host")
    settings = settings_from_values(config.values)
    sender = smtp.SmtpSender(settings.connection)
    try:
        sender.connect()
    except smtp.SmtpConfigError as exc:
        return FAIL, t("outbox.login_refused", reason=str(exc))
    except smtp.SmtpError as exc:
        return FAIL, t("outbox.connection", reason=exc.reply)
    finally:
        sender.close()
    connection = settings.connection
    return OK, t("doctor.smtp.ok", host=connection.host, port=connection.port)


# --------------------------------------------------------------------------- templates


def sample_context() -> dict[str, Any]:
    """What any template may see, with sample values (every key of every kind)."""
    today = date.today()
    invoice = {"type": 33, "type_name": t("dte.33"), "folio": 1234, "issue_date": today,
               "due_date": today, "days_overdue": 12, "balance": 1_190_000}  # fmt: skip
    figures = ("open_invoices", "open_balance", "overdue_invoices", "overdue_balance",
               "agenda_items", "broken_promises", "payments_yesterday", "paid_yesterday",
               "overdue_tasks", "mail_problems")  # fmt: skip
    return {
        "company": {"name": "Empresa", "rut": "76086428-5"},
        "customer": {"name": "Cliente", "rut": "96790240-3"},
        "contact": {"name": "Contacto", "email": "contacto@example.cl"},
        "invoices": [invoice],
        "total": invoice["balance"],
        "collector": {"name": "Cobrador", "email": "cobranza@example.cl", "phone": "+56 2 2345"},
        "credit_notes": [{"folio": 99, "issue_date": today, "amount": 100_000}],
        "promise": {"amount": 500_000, "date": today},
        "today": today,
        "task": {
            "description": "Tarea",
            "due": today,
            "folio": 1234,
            "balance": 1_190_000,
            "owner": "Área",
        },
        "invoice": {
            "folio": 1234,
            "total": 1_190_000,
            "balance": 1_190_000,
            "state": "-",
            "changed": today,
        },
        "manager": {"name": "Jefatura"},
        "summary": dict.fromkeys(figures, 1),
    }


def _templates() -> tuple[str, str]:
    from totalfact_tui.services.messages import render_template
    from totalfact_tui.services.templates import list_templates

    context = sample_context()
    broken = []
    found = list_templates()
    for info in found:
        try:
            render_template(info.kind, info.lang, context)
        except TotalfactError as exc:
            broken.append(f"{info.lang}/{info.kind}: {error_message(exc)}")
    if broken:
        return FAIL, "; ".join(broken[:3])
    overridden = sum(info.overridden for info in found)
    return OK, t("doctor.templates.ok", count=len(found), own=overridden)


# --------------------------------------------------------------------------- files


def _private_file(path: Path, *, missing_ok: bool) -> tuple[str, str]:
    """Only the owner may read a file that holds the data or secrets (0600)."""
    if not path.exists():
        if missing_ok:
            return SKIP, t("doctor.file.absent", path=str(path))
        return FAIL, t("doctor.file.absent", path=str(path))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return WARN, t("doctor.file.open", path=str(path), mode=f"{mode:04o}")
    return OK, t("doctor.file.ok", path=str(path), mode=f"{mode:04o}")
