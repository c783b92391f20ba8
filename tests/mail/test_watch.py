"""The IMAP watcher against a real Dovecot: attachments in every shape, failures kept
apart, nothing lost and nothing twice (restarts, crashes, repeats, UIDVALIDITY)."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.dovecot import Dovecot
from tests.dte_factory import Doc, envelope
from tests.mail.conftest import MailHelper, forward, message, sample
from totalfact_tui.db.models import Document, MailMessage
from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import TotalfactError
from totalfact_tui.services import watch
from totalfact_tui.services.ingest import IngestSettings
from totalfact_tui.services.watch import WatchSettings

INGEST = IngestSettings(today=date(2026, 11, 26))
PROCESSED, FAILED, IGNORED = "TotalFact/Procesados", "TotalFact/Errores", "TotalFact/Ignorados"


def documents(database: Database) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(Document)) or 0)


def duplicated_documents(database: Database) -> int:
    with database.read() as session:
        groups = session.execute(
            select(Document.issuer_rut, Document.dte_type, Document.folio)
            .group_by(Document.issuer_rut, Document.dte_type, Document.folio)
            .having(func.count() > 1)
        ).all()
    return len(groups)


def invoice(folio: int) -> bytes:
    return envelope(Doc(folio, net=10_000 + folio))


def zipped(*files: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()


def test_one_several_and_zipped_samples(
    mail: MailHelper, watch_db: Database, settings: WatchSettings, shared_dir: Path
) -> None:
    one = sample(shared_dir, "cl-sii/DTE--76354771-K--33--170.xml")
    latin1 = sample(shared_dir, "cl-sii/DTE--76399752-9--33--25568.xml")
    eight = sample(shared_dir, "mediabox-cert/BASICO_762352915.xml")
    mail.deliver(
        message(("DTE--76354771-K--33--170.xml", one)),
        message(("a.XML", latin1), ("b.xml", eight)),
        message(("lote.zip", zipped(("x/DTE.xml", one), ("y.xml", latin1)))),
    )
    summary = watch.run_once(watch_db, settings, INGEST)
    assert summary.messages == 3 and summary.failed_messages == 0
    assert summary.new == 10 and summary.duplicates == 2
    assert documents(watch_db) == 10
    assert (mail.count("INBOX"), mail.count(PROCESSED), mail.count(FAILED)) == (0, 3, 0)


def test_forwarded_message_and_a_message_without_xml(
    mail: MailHelper, watch_db: Database, settings: WatchSettings
) -> None:
    mail.deliver(
        forward(forward(message(("factura.xml", invoice(1))))),
        message(subject="Hola, ¿cuándo pagan?"),
    )
    summary = watch.run_once(watch_db, settings, INGEST)
    assert (summary.messages, summary.new) == (2, 1)
    assert (mail.count("INBOX"), mail.count(PROCESSED)) == (1, 1)  # no XML: left alone
    again = watch.run_once(watch_db, settings, INGEST)
    assert again.messages == 0  # the message left in the inbox is not looked at again
    moving = replace(settings, no_xml="move")
    watch.run_once(watch_db, moving, INGEST)
    assert (mail.count("INBOX"), mail.count(IGNORED)) == (0, 1)


def test_xml_attachment_types_and_encodings(
    mail: MailHelper, watch_db: Database, settings: WatchSettings
) -> None:
    mail.deliver(
        message(("factura.xml", invoice(2)), content_type="application/xml"),
        message(("factura.xml", invoice(3)), content_type="text/xml"),
        message(("Factura nº 4 (copia).xml", invoice(4))),  # RFC 2231 file name
    )
    summary = watch.run_once(watch_db, settings, INGEST)
    assert (summary.messages, summary.new) == (3, 3)


def test_malformed_xml_goes_to_the_failed_folder(
    mail: MailHelper, watch_db: Database, settings: WatchSettings
) -> None:
    mail.deliver(
        message(("buena.xml", invoice(5))),
        message(("mala.xml", b"<EnvioDTE><SetDTE><DTE>sin cerrar")),
        message(("otra.xml", invoice(6))),
    )
    summary = watch.run_once(watch_db, settings, INGEST)
    assert (summary.messages, summary.new, summary.failed_messages) == (3, 2, 1)
    assert (mail.count(PROCESSED), mail.count(FAILED), mail.count("INBOX")) == (2, 1, 0)
    failed = watch.recorded_messages(watch_db, "failed")
    assert len(failed) == 1 and failed[0].reason and "mala.xml" in failed[0].reason


def test_five_hundred_messages_in_one_run(
    mail: MailHelper, watch_db: Database, settings: WatchSettings
) -> None:
    mail.deliver(*[message((f"f{n}.xml", invoice(1000 + n))) for n in range(500)])
    seen: list[tuple[int, int]] = []
    summary = watch.run_once(watch_db, settings, INGEST, progress=lambda d, t: seen.append((d, t)))
    assert (summary.messages, summary.new) == (500, 500)
    assert seen[-1] == (500, 500) and len(seen) == 10  # batches of 50
    assert (mail.count("INBOX"), mail.count(PROCESSED)) == (0, 500)


def test_the_same_message_twice_is_ingested_once(
    mail: MailHelper, watch_db: Database, settings: WatchSettings
) -> None:
    same = message(("f.xml", invoice(7)), message_id="<una-vez@proveedor.cl>")
    mail.deliver(same, same)
    summary = watch.run_once(watch_db, settings, INGEST)
    assert summary.messages == 1 and documents(watch_db) == 1
    assert (mail.count("INBOX"), mail.count(PROCESSED)) == (0, 2)


def test_a_stop_between_commit_and_move_loses_and_repeats_nothing(
    mail: MailHelper, watch_db: Database, settings: WatchSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail.deliver(*[message((f"f{n}.xml", invoice(2000 + n))) for n in range(5)])

    def crash(*_args: object) -> None:
        raise KeyboardInterrupt  # the program dies after the commit, before the move

    monkeypatch.setattr("totalfact_tui.mail.imap.Mailbox.move", crash)
    with pytest.raises(KeyboardInterrupt):
        watch.run_once(watch_db, settings, INGEST)
    assert documents(watch_db) == 5 and mail.count("INBOX") == 5
    monkeypatch.undo()
    again = watch.run_once(watch_db, settings, INGEST)
    assert again.messages == 0 and again.new == 0  # recorded: only moved now
    assert documents(watch_db) == 5 and duplicated_documents(watch_db) == 0
    assert (mail.count("INBOX"), mail.count(PROCESSED)) == (0, 5)


def test_a_new_uidvalidity_does_not_ingest_again(
    mail: MailHelper, watch_db: Database, settings: WatchSettings
) -> None:
    folder = "Facturas"
    box = replace(settings, mailbox=folder)
    mails = [message((f"f{n}.xml", invoice(3000 + n))) for n in range(3)]
    mail.deliver(*mails, folder=folder)
    assert watch.run_once(watch_db, box, INGEST).new == 3
    client = mail.client()
    client.delete_folder(folder)  # re-created: a new UIDVALIDITY, UIDs from 1 again
    client.logout()
    mail.deliver(*mails, folder=folder)
    again = watch.run_once(watch_db, box, INGEST)
    assert again.messages == 0 and documents(watch_db) == 3
    assert mail.count(folder) == 0 and mail.count(PROCESSED) == 6


def test_idle_wakes_up_within_two_seconds(
    mail: MailHelper, watch_db: Database, settings: WatchSettings
) -> None:
    stop = threading.Event()
    lines: list[str] = []
    runner = threading.Thread(
        target=watch.run_forever,
        args=(watch_db, replace(settings, poll_seconds=600), lambda: INGEST, stop, lines.append),
    )
    runner.start()
    try:
        time.sleep(0.5)  # the watcher is idling now
        mail.deliver(message(("f.xml", invoice(4000))))
        delivered = time.monotonic()
        assert mail.wait_for(lambda: documents(watch_db) == 1, seconds=2.0), lines
        assert time.monotonic() - delivered < 2.0
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive()


def test_mail_that_comes_during_a_pass_is_not_left_waiting(
    mail: MailHelper, watch_db: Database, settings: WatchSettings
) -> None:
    """Mail delivered while a pass is under way: the server announces it in the middle
    of the pass's own commands, where the IMAP library drops the news, so IDLE would
    not report it (for up to 29 minutes). A pass that ingested something is followed by
    another before the watcher idles."""
    mail.deliver(*[message((f"a{n}.xml", invoice(4100 + n))) for n in range(4)])
    stop = threading.Event()
    lines: list[str] = []
    delivered: list[float] = []

    def deliver_once_mid_pass(done: int, total: int) -> None:
        if not delivered:  # after the first batch of two: the pass goes on with the next
            mail.deliver(message(("late.xml", invoice(4200))))
            delivered.append(time.monotonic())

    runner = threading.Thread(
        target=watch.run_forever,
        args=(
            watch_db,
            replace(settings, poll_seconds=600, batch_size=2),
            lambda: INGEST,
            stop,
            lines.append,
            deliver_once_mid_pass,
        ),
    )
    runner.start()
    try:
        assert mail.wait_for(lambda: documents(watch_db) == 5, seconds=10.0), lines
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive()
    assert mail.count(PROCESSED) == 5


def test_server_killed_and_restarted_mid_run(
    mail: MailHelper, dovecot: Dovecot, watch_db: Database, settings: WatchSettings
) -> None:
    total = 300
    mail.deliver(*[message((f"f{n}.xml", invoice(5000 + n))) for n in range(total)])
    stop = threading.Event()
    lines: list[str] = []
    runner = threading.Thread(
        target=watch.run_forever,
        args=(watch_db, replace(settings, batch_size=20), lambda: INGEST, stop, lines.append),
    )
    runner.start()
    try:
        assert mail.wait_for(lambda: documents(watch_db) >= 40, seconds=20)
        dovecot.kill()
        time.sleep(1.0)
        dovecot.clear_stale_locks()
        dovecot.start()
        assert mail.wait_for(lambda: mail.count(PROCESSED) == total, seconds=60), lines
    finally:
        stop.set()
        runner.join(15)
    assert any("Reconexión" in line for line in lines)
    assert documents(watch_db) == total and duplicated_documents(watch_db) == 0
    assert (mail.count("INBOX"), mail.count(PROCESSED), mail.count(FAILED)) == (0, total, 0)
    with watch_db.read() as session:
        recorded = session.scalar(select(func.count()).select_from(MailMessage))
    assert recorded == total


def test_tls_needs_the_ca(
    mail: MailHelper, dovecot: Dovecot, watch_db: Database, settings: WatchSettings
) -> None:
    mail.deliver(message(("f.xml", invoice(6000))))
    implicit = replace(settings, security="ssl", port=dovecot.tls_port)
    with pytest.raises(TotalfactError) as refused:
        watch.run_once(watch_db, implicit, INGEST)
    assert "certificate verify failed" in str(refused.value.params.get("reason", "")).lower()
    trusted = replace(implicit, ca_file=str(dovecot.ca_file))
    assert watch.run_once(watch_db, trusted, INGEST).new == 1
    mail.deliver(message(("f.xml", invoice(6001))))
    starttls = replace(settings, security="starttls", ca_file=str(dovecot.ca_file))
    assert watch.run_once(watch_db, starttls, INGEST).new == 1
    from totalfact_tui.services.watch_status import statuses

    status = statuses(watch_db)
    assert status and status[0].last_error and "certificate" in status[0].last_error.lower()


def test_wrong_password_and_password_command(
    mail: MailHelper, watch_db: Database, settings: WatchSettings
) -> None:
    with pytest.raises(TotalfactError) as refused:
        watch.run_once(watch_db, replace(settings, password="mala"), INGEST)
    assert refused.value.key == "watch.login_refused"
    mail.deliver(message(("f.xml", invoice(7000))))
    by_command = replace(settings, password=None, password_command=f"echo {settings.password}")
    assert watch.run_once(watch_db, by_command, INGEST).new == 1


def test_settings_refuse_plain_text_to_a_remote_host() -> None:
    from totalfact_tui.config import load_config

    config = load_config(
        environ={
            "TOTALFACT_IMAP_HOST": "mail.example.cl",
            "TOTALFACT_IMAP_USERNAME": "dte",
            "TOTALFACT_IMAP_SECURITY": "plain",
        }
    )
    with pytest.raises(TotalfactError) as refused:
        watch.settings_from_config(config)
    assert refused.value.key == "watch.plain_refused"
    with pytest.raises(TotalfactError) as missing:
        watch.settings_from_config(load_config(environ={}))
    assert missing.value.key == "watch.not_configured"


def test_quoted_printable_and_encoded_word_names(
    mail: MailHelper, watch_db: Database, settings: WatchSettings
) -> None:
    import base64
    import quopri

    xml = invoice(8000)
    name = "=?utf-8?B?" + base64.b64encode("Factura electrónica 8000.xml".encode()).decode() + "?="
    raw = (
        (
            "From: dte@proveedor.cl\r\nTo: dte@andes.cl\r\nSubject: QP\r\n"
            "Message-ID: <qp-1@proveedor.cl>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Type: text/plain\r\n\r\nAdjunto.\r\n"
            f'--b1\r\nContent-Type: application/octet-stream; name="{name}"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n"
            f'Content-Disposition: inline; filename="{name}"\r\n\r\n'
        ).encode()
        + quopri.encodestring(xml).replace(b"\n", b"\r\n")
        + b"\r\n--b1--\r\n"
    )
    mail.deliver(raw)
    summary = watch.run_once(watch_db, settings, INGEST)
    assert (summary.messages, summary.new, summary.failed_messages) == (1, 1, 0)


def test_only_the_wanted_parts_are_downloaded(
    mail: MailHelper, watch_db: Database, settings: WatchSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from totalfact_tui.mail.imap import Mailbox

    asked: list[dict[int, list[str]]] = []
    original = Mailbox.parts

    def spy(self: Mailbox, wanted: dict[int, list[str]]) -> dict[int, dict[str, bytes]]:
        asked.append(wanted)
        return original(self, wanted)

    monkeypatch.setattr(Mailbox, "parts", spy)
    big_pdf = b"%PDF-1.4 " + b"x" * 200_000
    raw = message(("f.xml", invoice(8100)), ("factura.pdf", big_pdf))
    mail.deliver(raw)
    assert watch.run_once(watch_db, settings, INGEST).new == 1
    assert [list(w.values()) for w in asked] == [[["2"]]]  # the XML only: no text, no PDF


def test_xoauth2_with_a_token_command(
    mail: MailHelper, watch_db: Database, settings: WatchSettings
) -> None:
    from tests.dovecot import TOKEN

    mail.deliver(message(("f.xml", invoice(9000))))
    oauth = replace(settings, password=None, oauth2_token_command=f"echo {TOKEN}")
    assert watch.run_once(watch_db, oauth, INGEST).new == 1
    with pytest.raises(TotalfactError) as refused:
        watch.run_once(watch_db, replace(oauth, oauth2_token_command="echo caducado"), INGEST)
    assert refused.value.key == "watch.login_refused"
    with pytest.raises(TotalfactError) as failing:
        watch.run_once(watch_db, replace(oauth, oauth2_token_command="false"), INGEST)
    assert failing.value.key == "watch.secret_command"


def test_polling_when_the_server_has_no_idle(
    mail: MailHelper, watch_db: Database, settings: WatchSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from totalfact_tui.mail.imap import Mailbox

    original = Mailbox.capabilities.fget
    assert original is not None
    monkeypatch.setattr(Mailbox, "capabilities", property(lambda self: original(self) - {b"IDLE"}))
    stop = threading.Event()
    runner = threading.Thread(
        target=watch.run_forever,
        args=(watch_db, replace(settings, poll_seconds=0.3), lambda: INGEST, stop, print),
    )
    runner.start()
    try:
        time.sleep(0.5)
        mail.deliver(message(("f.xml", invoice(9100))))
        assert mail.wait_for(lambda: documents(watch_db) == 1, seconds=3.0)
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive()


def test_two_watchers_on_one_mailbox_take_turns(
    mail: MailHelper, watch_db: Database, settings: WatchSettings
) -> None:
    """As on two hosts: the second stands by while the first holds the mailbox's lease,
    and takes over once the first stops; nothing is ingested twice."""
    first_stop, second_stop = threading.Event(), threading.Event()
    first_lines: list[str] = []
    second_lines: list[str] = []

    def watcher(stop: threading.Event, lines: list[str]) -> threading.Thread:
        thread = threading.Thread(
            target=watch.run_forever,
            args=(watch_db, settings, lambda: INGEST, stop, lines.append),
            kwargs={"lease_seconds": 2},
        )
        thread.start()
        return thread

    first = watcher(first_stop, first_lines)
    time.sleep(0.5)
    second = watcher(second_stop, second_lines)
    try:
        mail.deliver(*[message((f"f{n}.xml", invoice(7000 + n))) for n in range(60)])
        assert mail.wait_for(lambda: mail.count(PROCESSED) == 60, seconds=30)
        assert any("en espera" in line for line in second_lines), second_lines
        assert not any("mensajes:" in line for line in second_lines)
        first_stop.set()
        first.join(10)
        mail.deliver(*[message((f"g{n}.xml", invoice(8000 + n))) for n in range(20)])
        assert mail.wait_for(lambda: mail.count(PROCESSED) == 80, seconds=15), second_lines
        assert any("toma" in line for line in second_lines), second_lines
    finally:
        first_stop.set()
        second_stop.set()
        first.join(10)
        second.join(10)
    assert documents(watch_db) == 80 and duplicated_documents(watch_db) == 0
