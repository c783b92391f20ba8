"""The IMAP watcher: DTE attachments from a mailbox into the database, nothing lost,
nothing twice.

Each message's XML is ingested in one transaction together with a record of the
message (mailbox, UIDVALIDITY, UID, Message-ID, sender, date). Only after the commit is
the message moved (to the processed or the failed folder). A message already recorded
(same Message-ID, or same UIDVALIDITY and UID) is never ingested again: a stop between
the commit and the move just moves it on the next run.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from totalfact_tui.config import Config
from totalfact_tui.db.models import MailMessage
from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import LeaseBusy, TotalfactError
from totalfact_tui.i18n import t
from totalfact_tui.mail import imap, mime
from totalfact_tui.services.ingest import IngestSettings, IngestSummary, ingest_together
from totalfact_tui.services.ingest_sources import Source, sources_from_bytes
from totalfact_tui.services.leases import DEFAULT_SECONDS, Held
from totalfact_tui.services.secret_command import secret_from
from totalfact_tui.services.watch_status import WatchSummary, record_status

NO_XML = ("leave", "move")
MAX_BACKOFF_SECONDS = 300.0

Log = Callable[[str], None]


class Stop(Protocol):
    """What the watcher waits on: a ``threading.Event``, or several (:class:`Either`)."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class Either:
    """Set as soon as one of the events is (Ctrl-C, or the mailbox's lease was lost)."""

    def __init__(self, *events: threading.Event) -> None:
        self.events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self.events)

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            left = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
            if left <= 0:
                break
            self.events[0].wait(left)
        return self.is_set()


@dataclass(frozen=True)
class WatchSettings:
    host: str
    username: str
    port: int | None = None
    security: str = "ssl"
    password: str | None = field(default=None, repr=False)
    password_command: str | None = None
    oauth2_token_command: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0
    mailbox: str = "INBOX"
    processed_folder: str = "TotalFact/Procesados"
    failed_folder: str = "TotalFact/Errores"
    ignored_folder: str = "TotalFact/Ignorados"
    no_xml: str = "leave"
    poll_seconds: float = 60.0
    batch_size: int = 50

    @property
    def folders(self) -> list[str]:
        wanted = [self.processed_folder, self.failed_folder]
        return wanted + ([self.ignored_folder] if self.no_xml == "move" else [])

    @property
    def status_key(self) -> str:
        return f"{self.username}@{self.host}/{self.mailbox}"


# --------------------------------------------------------------------------- settings


def settings_from_config(config: Config, overrides: dict[str, Any] | None = None) -> WatchSettings:
    """The ``[imap]`` settings (options in ``overrides`` win); a clear error when the
    mailbox is not configured or a value cannot work."""
    values = {
        setting.removeprefix("imap."): config.get(setting)
        for setting in config.values
        if setting.startswith("imap.")
    }
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    if not values.get("host") or not values.get("username"):
        raise TotalfactError("watch.not_configured")
    security = str(values.get("security") or "ssl").lower()
    if security not in imap.SECURITY:
        raise TotalfactError("watch.bad_security", value=security)
    if security == "plain" and not imap.is_loopback(str(values["host"])):
        raise TotalfactError("watch.plain_refused", host=values["host"])
    if values.get("no_xml") not in NO_XML:
        raise TotalfactError("watch.bad_no_xml", value=values.get("no_xml"))
    return WatchSettings(
        host=str(values["host"]),
        username=str(values["username"]),
        port=int(values["port"]) if values.get("port") else None,
        security=security,
        password=values.get("password"),
        password_command=values.get("password_command"),
        oauth2_token_command=values.get("oauth2_token_command"),
        ca_file=values.get("ca_file"),
        timeout=float(values.get("timeout") or 30),
        mailbox=str(values.get("mailbox") or "INBOX"),
        processed_folder=str(values["processed_folder"]),
        failed_folder=str(values["failed_folder"]),
        ignored_folder=str(values["ignored_folder"]),
        no_xml=str(values["no_xml"]),
        poll_seconds=float(values.get("poll_seconds") or 60),
        batch_size=max(int(values.get("batch_size") or 50), 1),
    )


def _connection(settings: WatchSettings) -> imap.Connection:
    token = password = None
    if settings.oauth2_token_command:
        token = secret_from(settings.oauth2_token_command, "oauth2_token_command")
    elif settings.password_command:
        password = secret_from(settings.password_command, "password_command")
    else:
        password = settings.password
    return imap.Connection(
        host=settings.host,
        port=settings.port or imap.default_port(settings.security),
        security=settings.security,
        username=settings.username,
        password=password,
        oauth2_token=token,
        ca_file=settings.ca_file,
        timeout=settings.timeout,
    )


def connect(settings: WatchSettings) -> imap.Mailbox:
    try:
        mailbox = imap.Mailbox(_connection(settings))
    except imap.ImapAuthError as exc:
        raise TotalfactError(
            "watch.login_refused", user=settings.username, reason=str(exc)
        ) from exc
    except imap.ImapConfigError as exc:
        raise TotalfactError("watch.plain_refused", host=settings.host) from exc
    except imap.ImapError as exc:
        raise WatchConnectionError(str(exc)) from exc
    return mailbox


class WatchConnectionError(TotalfactError):
    """The server could not be reached or the connection dropped (worth a retry)."""

    def __init__(self, reason: str) -> None:
        super().__init__("watch.connection", reason=reason)


# --------------------------------------------------------------------------- one pass


class _Pass:
    """One look at the mailbox: every message in it, in batches."""

    def __init__(
        self,
        database: Database,
        mailbox: imap.Mailbox,
        settings: WatchSettings,
        ingest: IngestSettings,
        progress: Callable[[int, int], None] | None,
        stop: Stop | None,
    ) -> None:
        self.database = database
        self.mailbox = mailbox
        self.settings = settings
        self.ingest = ingest
        self.progress = progress
        self.stop = stop
        self.summary = WatchSummary()

    def run(self) -> WatchSummary:
        try:
            self.mailbox.ensure_folders(self.settings.folders)
            uidvalidity = self.mailbox.open(self.settings.mailbox)
            uids = self.mailbox.uids()
            done = 0
            for start in range(0, len(uids), self.settings.batch_size):
                if self.stop is not None and self.stop.is_set():
                    break
                chunk = uids[start : start + self.settings.batch_size]
                self.batch(uidvalidity, chunk)
                done += len(chunk)
                if self.progress is not None:
                    self.progress(done, len(uids))
        except imap.ImapError as exc:
            raise WatchConnectionError(str(exc)) from exc
        return self.summary

    def batch(self, uidvalidity: int, uids: list[int]) -> None:
        """Up to ``batch_size`` messages: those already recorded are only moved; the
        others are downloaded and ingested, their documents and records committed in one
        transaction, then moved."""
        envelopes = list(self.mailbox.envelopes(uids))
        known = self._recorded(uidvalidity, uids)
        known_ids = self._recorded_ids([e.message_id for e in envelopes if e.message_id])
        statuses: dict[int, str] = {}
        todo: list[imap.Envelope] = []
        repeats: dict[int, str] = {}  # uid -> Message-ID seen earlier in this batch
        first_of: dict[str, int] = {}
        for envelope in envelopes:
            status = known.get(envelope.uid) or known_ids.get(envelope.message_id or "")
            if status is not None:
                statuses[envelope.uid] = status
            elif envelope.message_id and envelope.message_id in first_of:
                repeats[envelope.uid] = envelope.message_id
            else:
                if envelope.message_id:
                    first_of[envelope.message_id] = envelope.uid
                todo.append(envelope)
        statuses.update(self.ingest_messages(uidvalidity, todo))
        for uid, message_id in repeats.items():
            statuses[uid] = statuses.get(first_of[message_id], "processed")
        moves: dict[str, list[int]] = {}
        for uid, status in sorted(statuses.items()):
            folder = self._folder(status)
            if folder is not None:
                moves.setdefault(folder, []).append(uid)
        for folder, moved in moves.items():
            self.mailbox.move(moved, folder)
            with self.database.write() as session:
                session.execute(
                    update(MailMessage)
                    .where(
                        MailMessage.mailbox == self.settings.mailbox,
                        MailMessage.uidvalidity == uidvalidity,
                        MailMessage.uid.in_(moved),
                    )
                    .values(moved_to=folder)
                )

    def _folder(self, status: str) -> str | None:
        if status == "processed":
            return self.settings.processed_folder
        if status == "failed":
            return self.settings.failed_folder
        return self.settings.ignored_folder if self.settings.no_xml == "move" else None

    def _recorded(self, uidvalidity: int, uids: list[int]) -> dict[int, str]:
        with self.database.read() as session:
            return dict(
                session.execute(
                    select(MailMessage.uid, MailMessage.status).where(
                        MailMessage.mailbox == self.settings.mailbox,
                        MailMessage.uidvalidity == uidvalidity,
                        MailMessage.uid.in_(uids),
                    )
                ).all()
            )

    def _recorded_ids(self, message_ids: list[str | None]) -> dict[str, str]:
        wanted = [m for m in message_ids if m]
        if not wanted:
            return {}
        with self.database.read() as session:
            return {
                message_id: status
                for message_id, status in session.execute(
                    select(MailMessage.message_id, MailMessage.status).where(
                        MailMessage.message_id.in_(wanted)
                    )
                )
                if message_id
            }

    def ingest_messages(self, uidvalidity: int, envelopes: list[imap.Envelope]) -> dict[int, str]:
        """Download, ingest and record ``envelopes``; their statuses."""
        if not envelopes:
            return {}
        wanted = {e.uid: mime.dte_parts(e.structure) for e in envelopes}
        downloaded = self.mailbox.parts(
            {uid: [p.section for p in parts] for uid, parts in wanted.items()}
        )
        groups: list[list[Source]] = []
        records: list[MailMessage] = []
        for envelope in envelopes:
            sources: list[Source] = []
            for part in wanted[envelope.uid]:
                data = mime.decode(downloaded[envelope.uid].get(part.section, b""), part.encoding)
                sources.extend(
                    sources_from_bytes(
                        f"imap:{envelope.uid}/{part.filename}",
                        data,
                        self.ingest.limits,
                        is_zip=part.is_zip,
                    )
                )
            groups.append(sources)
            records.append(self._record(uidvalidity, envelope, len(wanted[envelope.uid])))
        try:
            summaries = ingest_together(
                self.database, groups, self.ingest, partial(_write_records, records, groups)
            )
        except IntegrityError:
            if len(envelopes) == 1:
                # Another watcher recorded this message meanwhile: it is done.
                return {
                    envelopes[0].uid: self._recorded_ids([envelopes[0].message_id]).get(
                        envelopes[0].message_id or "", "processed"
                    )
                }
            statuses: dict[int, str] = {}
            for envelope in envelopes:  # one at a time, so one conflict spoils nothing
                statuses.update(self.ingest_messages(uidvalidity, [envelope]))
            return statuses
        for record, summary in zip(records, summaries, strict=True):
            self.count(record, summary)
        return {record.uid: record.status for record in records}

    def _record(self, uidvalidity: int, envelope: imap.Envelope, parts: int) -> MailMessage:
        sent_at = envelope.sent_at if envelope.sent_at and envelope.sent_at.tzinfo else None
        return MailMessage(
            mailbox=self.settings.mailbox,
            uidvalidity=uidvalidity,
            uid=envelope.uid,
            message_id=(envelope.message_id or "")[:998] or None,
            sender=(envelope.sender or "")[:320] or None,
            subject=(envelope.subject or "")[:400] or None,
            sent_at=sent_at,
            attachments=parts,
        )

    def count(self, record: MailMessage, summary: IngestSummary) -> None:
        counted = self.summary
        counted.messages += 1
        counted.documents += summary.documents
        counted.new += summary.new
        counted.duplicates += summary.duplicates
        counted.skipped += summary.skipped
        counted.rejected += summary.rejected
        if record.status == "failed":
            counted.failed_messages += 1


def _write_records(
    records: list[MailMessage],
    groups: list[list[Source]],
    session: Session,
    summaries: list[IngestSummary],
) -> None:
    """The messages' records, in the transaction of their documents."""
    for record, sources, summary in zip(records, groups, summaries, strict=True):
        if not sources:
            record.status = "ignored"
        else:
            failed = bool(summary.errors)
            record.status = "failed" if failed else "processed"
            record.reason = _reason(summary) if failed else None
        record.documents = summary.documents
        record.new = summary.new
        record.duplicates = summary.duplicates
        record.skipped = summary.skipped
        record.rejected = summary.rejected
        session.add(record)


def _reason(summary: IngestSummary) -> str:
    lines = [f"{issue.file}: {t(issue.key, **issue.params)}" for issue in summary.errors[:5]]
    if len(summary.errors) > 5:
        lines.append(f"(+{len(summary.errors) - 5})")
    return "\n".join(lines)[:4000]


# --------------------------------------------------------------------------- entry points


def run_once(
    database: Database,
    settings: WatchSettings,
    ingest: IngestSettings,
    progress: Callable[[int, int], None] | None = None,
    stop: Stop | None = None,
) -> WatchSummary:
    """Process what is in the mailbox now, then return (``totalfact watch --once``).
    The caller holds the mailbox's lease (:func:`lease_for`)."""
    try:
        mailbox = connect(settings)
    except TotalfactError as exc:
        record_status(database, settings.status_key, None, error=_error_text(exc))
        raise
    try:
        summary = _Pass(database, mailbox, settings, ingest, progress, stop).run()
    except TotalfactError as exc:
        record_status(database, settings.status_key, None, error=_error_text(exc))
        raise
    finally:
        mailbox.close()
    record_status(database, settings.status_key, summary)
    return summary


def lease_for(database: Database, settings: WatchSettings, seconds: float) -> Held:
    """The lease that keeps two watchers (on any hosts) off the same mailbox."""
    return Held(database, f"watch:{settings.status_key}", seconds)


def run_forever(
    database: Database,
    settings: WatchSettings,
    ingest_for: Callable[[], IngestSettings],
    stop: threading.Event,
    log: Log,
    progress: Callable[[int, int], None] | None = None,
    lease_seconds: float = DEFAULT_SECONDS,
) -> WatchSummary:
    """Watch until ``stop`` is set, holding the mailbox's lease: while another watcher
    holds it, wait on standby and take over when it stops renewing it."""
    total = WatchSummary()
    lease = lease_for(database, settings, lease_seconds)
    standby = False
    while not stop.is_set():
        try:
            lease.acquire()
        except LeaseBusy as busy:
            if not standby:
                log(t("watch.standby", **busy.params))
                standby = True
            stop.wait(lease_seconds / 2)
            continue
        except TotalfactError as exc:  # the database is away: try again shortly
            log(t("watch.error_line", reason=_error_text(exc), delay=f"{lease_seconds / 2:.0f}"))
            stop.wait(lease_seconds / 2)
            continue
        if standby:
            log(t("watch.took_over", mailbox=settings.status_key))
            standby = False
        try:
            _watch(database, settings, ingest_for, Either(stop, lease.lost), log, progress, total)
        finally:
            lease.release()
        if lease.lost.is_set() and not stop.is_set():
            log(t("watch.lease_lost", mailbox=settings.status_key))
    return total


def _watch(
    database: Database,
    settings: WatchSettings,
    ingest_for: Callable[[], IngestSettings],
    stop: Stop,
    log: Log,
    progress: Callable[[int, int], None] | None,
    total: WatchSummary,
) -> None:
    """Once a pass finds nothing new: IDLE when the server has it (re-issued before 29
    minutes), else a poll every ``poll_seconds``; after a network error, reconnect with
    exponential backoff and jitter, one log line per attempt."""
    attempt = 0
    while not stop.is_set():
        mailbox: imap.Mailbox | None = None
        try:
            mailbox = connect(settings)
            attempt = 0
            idle = b"IDLE" in mailbox.capabilities
            while not stop.is_set():
                summary = _Pass(database, mailbox, settings, ingest_for(), progress, stop).run()
                record_status(database, settings.status_key, summary)
                total.add(summary)
                if summary.messages:
                    log(t("watch.processed_line", **summary.as_dict()))
                    # Mail that came during the pass was announced in the middle of its
                    # commands, where imapclient drops the news: IDLE would not report
                    # it. Look again; a pass that finds nothing new ends this.
                    continue
                if idle:
                    _wait_idle(mailbox, stop)
                else:
                    stop.wait(settings.poll_seconds)
        except WatchConnectionError as exc:
            attempt += 1
            delay = min(MAX_BACKOFF_SECONDS, 2 ** min(attempt - 1, 10)) * random.uniform(0.5, 1.0)
            log(
                t(
                    "watch.reconnect",
                    attempt=attempt,
                    delay=f"{delay:.1f}",
                    reason=exc.params.get("reason", ""),
                )
            )
            record_status(database, settings.status_key, None, error=_error_text(exc))
            stop.wait(delay)
        except TotalfactError as exc:
            # Login refused, a bad password command...: say it and keep trying slowly.
            attempt += 1
            delay = MAX_BACKOFF_SECONDS * random.uniform(0.5, 1.0)
            log(t("watch.error_line", reason=_error_text(exc), delay=f"{delay:.0f}"))
            record_status(database, settings.status_key, None, error=_error_text(exc))
            stop.wait(delay)
        finally:
            if mailbox is not None:
                mailbox.close()


def _wait_idle(mailbox: imap.Mailbox, stop: Stop) -> None:
    """Wait for new mail (or the stop flag) in one-second slices, up to 29 minutes."""
    try:
        mailbox.idle_start()
        started = time.monotonic()
        while not stop.is_set() and time.monotonic() - started < imap.IDLE_RENEW_SECONDS:
            if mailbox.idle_wait(1.0):
                break
        mailbox.idle_stop()
    except imap.ImapError as exc:
        raise WatchConnectionError(str(exc)) from exc


def _error_text(exc: TotalfactError) -> str:
    return t(exc.key, **exc.params)


def recorded_messages(database: Database, status: str | None = None) -> list[MailMessage]:
    with database.read() as session:
        query = select(MailMessage).order_by(MailMessage.id)
        if status is not None:
            query = query.where(or_(MailMessage.status == status))
        return list(session.scalars(query))
