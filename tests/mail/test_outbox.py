"""The outbox over a real SMTP server (aiosmtpd): delivery, 4xx retry, 5xx failure,
dropped connection, STARTTLS with authentication, nothing sent twice."""

from __future__ import annotations

import email
from dataclasses import replace
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.smtp_server import PASSWORD, USER, SmtpServers
from tests.work_data import TODAY, customer_id, doc_id
from totalfact_tui.db.models import Action, Customer, OutboxMessage
from totalfact_tui.db.session import Database
from totalfact_tui.db.types import utcnow
from totalfact_tui.domain.errors import TotalfactError
from totalfact_tui.mail import smtp
from totalfact_tui.services import messages, outbox


@pytest.fixture
def server(servers: SmtpServers) -> SmtpServers:
    servers.recorder.received.clear()
    servers.recorder.plan.clear()
    return servers


def settings_for(server: SmtpServers, **changes: object) -> outbox.SmtpSettings:
    base = outbox.SmtpSettings(
        connection=smtp.SmtpConnection(host="127.0.0.1", port=server.plain_port, security="plain"),
        sender="cobranza@andes.cl",
        reply_to="cobranza@andes.cl",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def queue(db: Database, subject: str | None = None) -> int:
    draft = messages.draft_email(db, "ana", "soft_reminder", (doc_id(db, 1),), None, TODAY)
    draft = replace(draft, to="pagos@pelambres.cl", subject=subject or draft.subject)
    return messages.queue_email(db, "ana", draft)


def row(db: Database, outbox_id: int) -> OutboxMessage:
    with db.read() as session:
        found = session.get(OutboxMessage, outbox_id)
        assert found is not None
        return found


def test_delivery_with_accents_and_the_history_action(
    work_db: Database, server: SmtpServers
) -> None:
    with work_db.write() as session:
        customer = session.get(Customer, customer_id(work_db))
        assert customer is not None
        customer.name = "Compañía Minera Ñuble"
    outbox_id = queue(work_db, subject="Cobranza: compañía Ñuble, ¿cuándo pagan?")
    summary = outbox.send_queued(work_db, settings_for(server))
    assert summary.as_dict() == {"sent": 1, "retried": 0, "failed": 0, "uncertain": 0}
    (envelope,) = server.recorder.received
    parsed = email.message_from_bytes(envelope.content, policy=policy.default)
    assert parsed["Subject"] == "Cobranza: compañía Ñuble, ¿cuándo pagan?"
    assert "=?utf-8?" in envelope.content.decode("ascii", errors="replace")  # encoded words
    assert "Compañía Minera Ñuble" in parsed.get_body(("plain",)).get_content()
    assert parsed["Message-ID"].strip() == row(work_db, outbox_id).message_id
    assert envelope.rcpt_tos == ["pagos@pelambres.cl"]
    assert row(work_db, outbox_id).status == "sent"
    with work_db.read() as session:
        action = session.scalars(select(Action).where(Action.channel == "email")).one()
        assert action.result_code == "correo_enviado"
    assert outbox.send_queued(work_db, settings_for(server)).sent == 0  # never twice


def test_temporary_refusal_is_retried_later(work_db: Database, server: SmtpServers) -> None:
    outbox_id = queue(work_db)
    server.recorder.plan.append("451 4.3.0 Mailbox busy, try later")
    summary = outbox.send_queued(work_db, settings_for(server))
    assert (summary.retried, summary.sent) == (1, 0)
    waiting = row(work_db, outbox_id)
    assert waiting.status == "queued" and "451" in (waiting.last_error or "")
    assert outbox.send_queued(work_db, settings_for(server)).sent == 0  # not due yet
    later = utcnow() + timedelta(minutes=5)
    assert outbox.send_queued(work_db, settings_for(server), now=later).sent == 1
    assert row(work_db, outbox_id).attempts == 2 and len(server.recorder.received) == 1


def test_permanent_refusal_fails_without_retry(work_db: Database, server: SmtpServers) -> None:
    outbox_id = queue(work_db)
    server.recorder.plan.append("550 5.1.1 No such user here")
    assert outbox.send_queued(work_db, settings_for(server)).failed == 1
    failed = row(work_db, outbox_id)
    assert failed.status == "failed" and "550 5.1.1" in (failed.last_error or "")
    later = utcnow() + timedelta(days=1)
    assert outbox.send_queued(work_db, settings_for(server), now=later).sent == 0
    assert server.recorder.received == []


def test_dropped_connection_is_retried(work_db: Database, server: SmtpServers) -> None:
    first, second = queue(work_db), queue(work_db)
    server.recorder.plan.append("drop")
    summary = outbox.send_queued(work_db, settings_for(server))
    assert summary.retried == 1 and summary.sent == 1  # the next one went on a new line
    assert row(work_db, first).status == "queued" and row(work_db, second).status == "sent"


def test_starttls_with_authentication(work_db: Database, server: SmtpServers) -> None:
    outbox_id = queue(work_db)
    secure = smtp.SmtpConnection(
        host="127.0.0.1",
        port=server.tls_port,
        security="starttls",
        username=USER,
        password="mala",
        ca_file=str(server.ca_file),
    )
    with pytest.raises(TotalfactError) as refused:
        outbox.send_queued(work_db, settings_for(server, connection=secure))
    assert refused.value.key == "outbox.login_refused"
    assert row(work_db, outbox_id).status == "queued" and row(work_db, outbox_id).attempts == 0
    untrusted = replace(secure, password=PASSWORD, ca_file=None)
    with pytest.raises(TotalfactError) as unverified:
        outbox.send_queued(work_db, settings_for(server, connection=untrusted))
    assert "certificate" in str(unverified.value.params.get("reason", "")).lower()
    good = replace(secure, password=PASSWORD)
    assert outbox.send_queued(work_db, settings_for(server, connection=good)).sent == 1


def test_interrupted_send_is_uncertain_until_a_person_retries(
    work_db: Database, server: SmtpServers
) -> None:
    outbox_id = queue(work_db)
    with work_db.write() as session:
        stuck = session.get(OutboxMessage, outbox_id)
        assert stuck is not None
        stuck.status = "sending"  # a sender stopped here: did it leave or not?
    summary = outbox.send_queued(work_db, settings_for(server))
    assert summary.uncertain == 1 and summary.sent == 0 and server.recorder.received == []
    assert row(work_db, outbox_id).status == "uncertain"
    outbox.retry(work_db, "jefa", outbox_id)
    assert outbox.send_queued(work_db, settings_for(server)).sent == 1
    (envelope,) = server.recorder.received
    parsed = email.message_from_bytes(envelope.content, policy=policy.default)
    assert parsed["Message-ID"].strip() == row(work_db, outbox_id).message_id  # the same one


def test_archive_bcc_is_a_recipient_not_a_header(work_db: Database, server: SmtpServers) -> None:
    queue(work_db)
    outbox.send_queued(work_db, settings_for(server, bcc="archivo@andes.cl"))
    (envelope,) = server.recorder.received
    assert set(envelope.rcpt_tos) == {"pagos@pelambres.cl", "archivo@andes.cl"}
    assert b"archivo@andes.cl" not in envelope.content


def test_outbox_commands(
    cli: object,
    work_db: Database,
    server: SmtpServers,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    import json

    url = work_db.engine.url.render_as_string(hide_password=False)
    run = lambda *args: cli("--db", url, "--user", "ana", *args)  # type: ignore[operator]  # noqa: E731
    queue(work_db)
    listed = run("outbox", "--format", "json")
    assert json.loads(listed.out)[0]["status"] == "queued"
    missing = run("outbox", "send")
    assert missing.code == 1 and "smtp" in missing.err.lower()
    monkeypatch.setenv("TOTALFACT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TOTALFACT_SMTP_PORT", str(server.plain_port))
    monkeypatch.setenv("TOTALFACT_SMTP_SECURITY", "plain")
    monkeypatch.setenv("TOTALFACT_SMTP_FROM", "cobranza@andes.cl")
    sent = run("outbox", "send", "--json")
    assert sent.code == 0, sent.err
    assert json.loads(sent.out) == {"sent": 1, "retried": 0, "failed": 0, "uncertain": 0}
    refused = run("outbox", "retry", "1")
    assert refused.code == 1 and "Traceback" not in refused.err


def test_a_newline_in_a_name_never_reaches_a_header(work_db: Database, server: SmtpServers) -> None:
    with work_db.write() as session:
        customer = session.get(Customer, customer_id(work_db))
        assert customer is not None
        customer.name = "ACME\r\nBcc: espia@evil.test"
    draft = messages.draft_email(
        work_db, "ana", "account_statement", (doc_id(work_db, 1),), None, TODAY
    )
    messages.queue_email(work_db, "ana", replace(draft, to="pagos@pelambres.cl"))
    assert outbox.send_queued(work_db, settings_for(server)).sent == 1
    (envelope,) = server.recorder.received
    assert envelope.rcpt_tos == ["pagos@pelambres.cl"]
    headers = envelope.content.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in headers and b"\nBcc:" not in headers
