"""What the mail watcher last did, per mailbox: stored by the watcher, read by
``totalfact watch --status`` and the TUI header (a small module: the screens read it
without loading the IMAP code)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from totalfact_tui.db.models import WatchStatus
from totalfact_tui.db.session import Database
from totalfact_tui.db.types import utcnow


@dataclass
class WatchSummary:
    messages: int = 0
    documents: int = 0
    new: int = 0
    duplicates: int = 0
    skipped: int = 0
    rejected: int = 0
    failed_messages: int = 0

    def add(self, other: WatchSummary) -> None:
        for name in self.as_dict():
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {
            "messages": self.messages,
            "documents": self.documents,
            "new": self.new,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "failed_messages": self.failed_messages,
        }


@dataclass(frozen=True)
class StatusView:
    mailbox: str
    last_check_at: datetime | None
    last_success_at: datetime | None
    counts: dict[str, int]
    last_error: str | None
    last_error_at: datetime | None


def record_status(
    database: Database,
    mailbox: str,
    summary: WatchSummary | None,
    error: str | None = None,
) -> None:
    now = utcnow()
    with database.write() as session:
        row = session.get(WatchStatus, mailbox)
        if row is None:
            row = WatchStatus(mailbox=mailbox)
            for name in WatchSummary().as_dict():
                setattr(row, name, 0)
            session.add(row)
        row.last_check_at = now
        if summary is not None:
            row.last_success_at = now
            for name, value in summary.as_dict().items():
                setattr(row, name, (getattr(row, name) or 0) + value)
        if error is not None:
            row.last_error = error[:2000]
            row.last_error_at = now


def statuses(database: Database) -> list[StatusView]:
    with database.read() as session:
        return [
            StatusView(
                row.mailbox,
                row.last_check_at,
                row.last_success_at,
                {name: getattr(row, name) or 0 for name in WatchSummary().as_dict()},
                row.last_error,
                row.last_error_at,
            )
            for row in session.scalars(select(WatchStatus).order_by(WatchStatus.mailbox))
        ]
