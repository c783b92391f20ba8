"""A real Dovecot for the mail tests: started once per session, its mailbox emptied
before every test. Without the binary the tests skip (and fail with CI=true)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.conftest import unavailable
from tests.dovecot import Dovecot, find_dovecot
from tests.dte_factory import OWN_RUT
from tests.smtp_server import SmtpServers, start_servers
from totalfact_tui.db.session import Database
from totalfact_tui.services.companies import register_own_company
from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.watch import WatchSettings

#: Issuers of the real samples used here (ours, for these tests).
SAMPLE_ISSUERS = ("76354771-K", "76399752-9", "76235291-5")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    binary = find_dovecot()
    if binary is None:
        unavailable("dovecot is not installed (apt-get install dovecot-imapd)")
    assert binary is not None
    # Not under pytest's temporary folder: another pytest run resets that one to 0700,
    # and Dovecot's users (dovecot, nobody) must be able to walk down to the mail.
    root = Path(tempfile.mkdtemp(prefix="totalfact-dovecot-"))
    server = Dovecot(binary, root / "dovecot")
    server.prepare()
    server.start()
    yield server
    server.close()
    shutil.rmtree(root, ignore_errors=True)


class MailHelper:
    """What a test does to the mailbox besides the watcher: deliver, count, look."""

    def __init__(self, server: Dovecot) -> None:
        self.server = server

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.server.port, ssl=False, timeout=10)
        client.login(self.server.user, self.server.password)
        return client

    def reset(self) -> None:
        client = self.client()
        try:
            names = [
                name if isinstance(name, str) else name.decode()
                for _flags, _sep, name in client.list_folders()
            ]
            # Children first; a parent left as a placeholder may already be gone.
            for folder in sorted(names, key=lambda n: -n.count("/")):
                if folder.upper() != "INBOX" and client.folder_exists(folder):
                    with contextlib.suppress(Exception):
                        client.delete_folder(folder)
            client.select_folder("INBOX")
            uids = client.search(["ALL"])
            if uids:
                client.delete_messages(uids)
                client.expunge()
        finally:
            client.logout()

    def deliver(self, *messages: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for message in messages:
                client.append(folder, message)
        finally:
            client.logout()

    def count(self, folder: str) -> int:
        client = self.client()
        try:
            if not client.folder_exists(folder):
                return 0
            return int(client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])
        finally:
            client.logout()

    def wait_for(self, check: object, seconds: float = 5.0) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if check():  # type: ignore[operator]
                return True
            time.sleep(0.05)
        return False


@pytest.fixture
def mail(dovecot: Dovecot) -> MailHelper:
    if dovecot.process is None or dovecot.process.poll() is not None:
        dovecot.start()  # a test that killed it may have failed before restarting it
    helper = MailHelper(dovecot)
    helper.reset()
    return helper


@pytest.fixture
def watch_db(sqlite_url: str) -> Iterator[Database]:
    database = open_app_database(sqlite_url)
    register_own_company(database, OWN_RUT, "Distribuidora Los Andes SpA")
    for issuer in SAMPLE_ISSUERS:
        register_own_company(database, issuer, f"Empresa {issuer}")
    yield database
    database.dispose()


@pytest.fixture
def settings(dovecot: Dovecot) -> WatchSettings:
    return WatchSettings(
        host="127.0.0.1",
        port=dovecot.port,
        security="plain",
        username=dovecot.user,
        password=dovecot.password,
        poll_seconds=0.5,
        timeout=10,
    )


def message(
    *attachments: tuple[str, bytes],
    subject: str = "Envío de DTE",
    sender: str = "facturacion@proveedor.cl",
    message_id: str | None = None,
    content_type: str = "application/octet-stream",
) -> bytes:
    """A mail with ``attachments`` (file name, bytes)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "dte@andes.cl"
    mail["Subject"] = subject
    mail["Message-ID"] = message_id or make_msgid(domain="proveedor.cl")
    mail["Date"] = "Thu, 26 Nov 2026 10:00:00 -0300"
    mail.set_content("Se adjunta documento tributario electrónico.")
    for name, data in attachments:
        main, sub = content_type.split("/")
        mail.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return mail.as_bytes()


def forward(original: bytes, subject: str = "RV: Envío de DTE") -> bytes:
    from email import message_from_bytes, policy

    mail = EmailMessage()
    mail["From"] = "cobranza@andes.cl"
    mail["To"] = "dte@andes.cl"
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="andes.cl")
    mail.set_content("Reenvío la factura.")
    mail.add_attachment(message_from_bytes(original, policy=policy.default))
    return mail.as_bytes()


def sample(shared: Path, name: str) -> bytes:
    return (shared / "dte-samples" / name).read_bytes()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpServers]:
    """A real SMTP server (aiosmtpd), plain and STARTTLS with a login, per module."""
    running = start_servers(tmp_path_factory.mktemp("smtp"))
    yield running
    running.stop()


def imap_env(dovecot: Dovecot) -> dict[str, str]:
    """The ``TOTALFACT_IMAP_*`` settings of the test Dovecot (implicit TLS, its CA)."""
    return {
        "TOTALFACT_IMAP_HOST": "127.0.0.1",
        "TOTALFACT_IMAP_PORT": str(dovecot.tls_port),
        "TOTALFACT_IMAP_SECURITY": "ssl",
        "TOTALFACT_IMAP_USERNAME": dovecot.user,
        "TOTALFACT_IMAP_PASSWORD": dovecot.password,
        "TOTALFACT_IMAP_CA_FILE": str(dovecot.ca_file),
    }
