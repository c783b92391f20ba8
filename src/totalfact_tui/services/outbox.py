"""The outbox: every email is a row before anything is sent, and is sent at most once
unless a person says otherwise.

queued -> sending -> sent | failed. A temporary refusal (4xx) or a dropped connection
puts it back in the queue with a growing delay; a permanent one (5xx) fails it with the
server's reply. A row found in ``sending`` when a run starts was being sent when a
program stopped: nobody knows whether it left, so it becomes ``uncertain`` and is sent
again only by ``totalfact outbox retry ID`` (with the same Message-ID, so a receiving
system can tell a repeat).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from sqlalchemy import select, update

from totalfact_tui.db.models import (
    Action,
    ActionDocument,
    Customer,
    Document,
    OutboxDocument,
    OutboxMessage,
)
from totalfact_tui.db.session import Database
from totalfact_tui.db.types import utcnow
from totalfact_tui.domain.errors import InvalidValue, NotFound, TotalfactError
from totalfact_tui.mail import smtp
from totalfact_tui.services import audit
from totalfact_tui.services.leases import exclusive
from totalfact_tui.services.secret_command import secret_from
from totalfact_tui.services.users import validate_email

#: Delay before attempt n + 1 after a temporary failure of attempt n.
RETRY_DELAYS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
SENT_RESULT = "correo_enviado"


@dataclass(frozen=True)
class SmtpSettings:
    connection: smtp.SmtpConnection
    sender: str
    reply_to: str | None = None
    bcc: str | None = None
    max_attempts: int = 8


@dataclass
class SendSummary:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "uncertain": self.uncertain,
        }


@dataclass(frozen=True)
class OutboxView:
    id: int
    message_id: str
    customer_id: int | None
    to: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None


def settings_from_values(values: Mapping[str, Any]) -> SmtpSettings:
    """The same from the settings' values (``smtp.host``...)."""
    host = values.get("smtp.host")
    sender = values.get("smtp.from")
    if not host or not sender:
        raise TotalfactError("outbox.not_configured")
    security = str(values.get("smtp.security") or "starttls").lower()
    if security not in smtp.SECURITY:
        raise TotalfactError("outbox.bad_security", value=security)
    from totalfact_tui.mail.imap import is_loopback

    if security == "plain" and not is_loopback(str(host)):
        raise TotalfactError("outbox.plain_refused", host=host)
    secret = values.get("smtp.password")
    command = values.get("smtp.password_command")
    if command:
        secret = secret_from(command, "smtp.password_command")
    return SmtpSettings(
        connection=smtp.SmtpConnection(
            host=str(host),
            port=int(values.get("smtp.port") or smtp.default_port(security)),
            security=security,
            username=values.get("smtp.username"),
            password=secret,
            ca_file=values.get("smtp.ca_file"),
            timeout=float(values.get("smtp.timeout") or 30),
        ),
        sender=validate_email(str(sender)),
        reply_to=validate_email(str(values.get("smtp.reply_to")))
        if values.get("smtp.reply_to")
        else None,
        bcc=validate_email(str(values.get("smtp.bcc"))) if values.get("smtp.bcc") else None,
        max_attempts=max(int(values.get("smtp.max_attempts") or 8), 1),
    )


def _addresses(text: str | None) -> list[str]:
    return [a.strip() for a in (text or "").split(",") if a.strip()]


def build_message(row: OutboxMessage, settings: SmtpSettings) -> EmailMessage:
    """The email as it goes out. Header values come from the row through the email
    package's policy, which refuses CR/LF: nothing from data can add a header."""
    message = EmailMessage()
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(row.created_at)
    message["From"] = settings.sender
    message["To"] = ", ".join(_addresses(row.to_addrs))
    if row.cc_addrs:
        message["Cc"] = ", ".join(_addresses(row.cc_addrs))
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message["Subject"] = " ".join(row.subject.split())
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    return message


def _recipients(row: OutboxMessage, settings: SmtpSettings) -> list[str]:
    every = _addresses(row.to_addrs) + _addresses(row.cc_addrs) + _addresses(row.bcc_addrs)
    if settings.bcc:
        every.append(settings.bcc)
    return list(dict.fromkeys(every))


def mark_interrupted(database: Database) -> int:
    """Rows left in ``sending`` by a program that stopped: ``uncertain`` (never re-sent
    by themselves). Returns how many."""
    with database.write() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "sending")
            .values(status="uncertain", last_error="interrupted while sending")
        )
        return int(getattr(result, "rowcount", 0) or 0)


@exclusive("outbox")
def send_queued(
    database: Database, settings: SmtpSettings, now: datetime | None = None, limit: int = 200
) -> SendSummary:
    """Send what is due in the queue, oldest first, over one SMTP session."""
    summary = SendSummary(uncertain=mark_interrupted(database))
    moment = now or utcnow()
    with database.read() as session:
        due = list(
            session.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == "queued",
                    (OutboxMessage.next_attempt_at.is_(None))
                    | (OutboxMessage.next_attempt_at <= moment),
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
        )
    if not due:
        return summary
    try:
        sender = smtp.SmtpSender(settings.connection)
        sender.connect()
    except smtp.SmtpConfigError as exc:
        raise TotalfactError("outbox.login_refused", reason=str(exc)) from exc
    except smtp.SmtpError as exc:
        raise TotalfactError("outbox.connection", reason=exc.reply) from exc
    try:
        for outbox_id in due:
            _send_one(database, sender, settings, outbox_id, moment, summary)
    finally:
        sender.close()
    return summary


def _send_one(
    database: Database,
    sender: smtp.SmtpSender,
    settings: SmtpSettings,
    outbox_id: int,
    now: datetime,
    summary: SendSummary,
) -> None:
    with database.write() as session:
        row = session.get(OutboxMessage, outbox_id)
        if row is None or row.status != "queued":
            return  # another sender took it
        row.status = "sending"
        row.attempts += 1
        message = build_message(row, settings)
        recipients = _recipients(row, settings)
        attempts = row.attempts
    try:
        partial = sender.send(message, settings.sender, recipients)
    except smtp.SmtpError as exc:
        with database.write() as session:
            row = session.get(OutboxMessage, outbox_id)
            assert row is not None
            row.last_error = exc.reply[:2000]
            if exc.temporary and attempts < settings.max_attempts:
                delay = RETRY_DELAYS[min(attempts - 1, len(RETRY_DELAYS) - 1)]
                row.status = "queued"
                row.next_attempt_at = now + timedelta(seconds=delay)
                summary.retried += 1
            else:
                row.status = "failed"
                summary.failed += 1
        return
    with database.write() as session:
        row = session.get(OutboxMessage, outbox_id)
        assert row is not None
        row.status = "sent"
        row.sent_at = utcnow()
        row.last_error = partial[:2000] if partial else None
        _record_action(session, row)
    summary.sent += 1


def _record_action(session: Any, row: OutboxMessage) -> None:
    """A sent email is an action with channel email in the customer's history."""
    if row.customer_id is None:
        return
    # A cadence email has no author: it counts for the customer's collector, who signs it.
    customer = session.get(Customer, row.customer_id)
    user_id = row.created_by_id or (customer.collector_id if customer else None)
    if user_id is None:
        return
    document_ids = list(
        session.scalars(
            select(OutboxDocument.document_id).where(OutboxDocument.outbox_id == row.id)
        )
    )
    action = Action(
        customer_id=row.customer_id,
        user_id=user_id,
        occurred_at=row.sent_at or utcnow(),
        channel="email",
        result_code=SENT_RESULT,
        comment=row.subject[:400],
    )
    session.add(action)
    session.flush()
    session.add_all(
        ActionDocument(
            action_id=action.id,
            document_id=d,
            user_id=action.user_id,
            occurred_at=action.occurred_at,
        )
        for d in document_ids
    )
    for document in session.scalars(select(Document).where(Document.id.in_(document_ids))):
        document.last_action_at = action.occurred_at
        document.last_result_code = SENT_RESULT
        document.last_action_user_id = user_id


def retry(database: Database, username: str | None, outbox_id: int) -> None:
    """Queue a failed or uncertain email again, a person having decided so (same
    Message-ID)."""
    with database.write() as session:
        actor = audit.resolve_actor(session, username)
        row = session.get(OutboxMessage, outbox_id)
        if row is None:
            raise NotFound("error.not_found", entity="correo", key=str(outbox_id))
        if row.status not in ("failed", "uncertain"):
            raise InvalidValue("outbox.not_retryable", id=outbox_id, status=row.status)
        before = row.status
        row.status = "queued"
        row.next_attempt_at = None
        audit.record(
            session,
            actor,
            "outbox",
            row.id,
            "retry",
            before={"status": before},
            after={"status": "queued"},
        )


def list_outbox(
    database: Database, status: str | None = None, limit: int = 500
) -> list[OutboxView]:
    with database.read() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        if status is not None:
            query = query.where(OutboxMessage.status == status)
        return [
            OutboxView(
                row.id,
                row.message_id,
                row.customer_id,
                row.to_addrs,
                row.subject,
                row.status,
                row.attempts,
                row.last_error,
                row.created_at,
                row.sent_at,
                row.next_attempt_at,
            )
            for row in session.scalars(query)
        ]
