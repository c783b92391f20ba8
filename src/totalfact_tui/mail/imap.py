"""IMAP, as the watcher needs it: connect (TLS verified, STARTTLS, or plain on loopback
only), log in (password or XOAUTH2), make folders, list and fetch messages (structure
first, then only the parts wanted, without marking them read), move them, and wait for
new mail with IDLE. Protocol only: no database, no settings file."""

from __future__ import annotations

import contextlib
import ipaddress
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

SECURITY = ("ssl", "starttls", "plain")
#: Servers drop an IDLE after 30 minutes; it is re-issued before that.
IDLE_RENEW_SECONDS = 29 * 60


class ImapError(Exception):
    """A failure worth a reconnect (network, protocol, server)."""


class ImapAuthError(ImapError):
    """The server refused the credentials: retrying will not help."""


class ImapConfigError(Exception):
    """The settings cannot work (plain text to a remote host, unknown security...)."""


@dataclass(frozen=True)
class Connection:
    host: str
    port: int
    security: str
    username: str
    password: str | None = None
    oauth2_token: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0


@dataclass(frozen=True)
class Envelope:
    uid: int
    message_id: str | None
    sender: str | None
    subject: str | None
    sent_at: datetime | None
    structure: Any
    size: int


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def default_port(security: str) -> int:
    return 993 if security == "ssl" else 143


def _context(ca_file: str | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


class Mailbox:
    """One logged-in IMAP connection."""

    def __init__(self, settings: Connection) -> None:
        if settings.security not in SECURITY:
            raise ImapConfigError(f"security must be one of {', '.join(SECURITY)}")
        if settings.security == "plain" and not is_loopback(settings.host):
            raise ImapConfigError("plain")
        self.settings = settings
        try:
            self.client = IMAPClient(
                settings.host,
                port=settings.port,
                ssl=settings.security == "ssl",
                ssl_context=_context(settings.ca_file) if settings.security == "ssl" else None,
                timeout=settings.timeout,
            )
            if settings.security == "starttls":
                self.client.starttls(_context(settings.ca_file))
        except (OSError, IMAPClientError, ssl.SSLError) as exc:
            raise ImapError(f"{type(exc).__name__}: {exc}") from exc
        try:
            if settings.oauth2_token:
                self.client.oauth2_login(settings.username, settings.oauth2_token)
            else:
                self.client.login(settings.username, settings.password or "")
        except LoginError as exc:
            self.close()
            raise ImapAuthError(str(exc)) from exc
        except (OSError, IMAPClientError) as exc:
            self.close()
            raise ImapError(f"{type(exc).__name__}: {exc}") from exc

    # -- plumbing -------------------------------------------------------------------------
    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, method)(*args, **kwargs)
        except (OSError, IMAPClientError, ssl.SSLError) as exc:
            raise ImapError(f"{method}: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        try:
            self.client.logout()
        except Exception:
            with contextlib.suppress(Exception):
                self.client.shutdown()

    @property
    def capabilities(self) -> set[bytes]:
        return set(self._call("capabilities"))

    # -- folders and messages -----------------------------------------------------------
    def folder_names(self) -> list[str]:
        """Every folder's name (``LIST``)."""
        return [str(name) for _flags, _delimiter, name in self._call("list_folders")]

    def ensure_folders(self, names: Iterable[str]) -> None:
        for name in names:
            if not self._call("folder_exists", name):
                self._call("create_folder", name)

    def open(self, folder: str) -> int:
        """Select ``folder`` (read-write); its UIDVALIDITY."""
        response = self._call("select_folder", folder)
        return int(response[b"UIDVALIDITY"])

    def uids(self) -> list[int]:
        return sorted(int(uid) for uid in self._call("search", ["ALL"]))

    def envelopes(self, uids: list[int]) -> Iterator[Envelope]:
        """Headers and structure of ``uids`` (one round trip), in UID order."""
        if not uids:
            return
        data = self._call("fetch", uids, ["ENVELOPE", "BODYSTRUCTURE", "RFC822.SIZE"])
        for uid in sorted(data):
            item = data[uid]
            envelope = item.get(b"ENVELOPE")
            sender = None
            if envelope is not None and envelope.from_:
                address = envelope.from_[0]
                mailbox, host = _text(address.mailbox), _text(address.host)
                sender = f"{mailbox}@{host}" if mailbox and host else mailbox
            message_id = _text(envelope.message_id) if envelope is not None else None
            yield Envelope(
                uid=int(uid),
                message_id=parseaddr(message_id)[1] or message_id if message_id else None,
                sender=sender,
                subject=_text(envelope.subject) if envelope is not None else None,
                sent_at=envelope.date if envelope is not None else None,
                structure=item.get(b"BODYSTRUCTURE"),
                size=int(item.get(b"RFC822.SIZE", 0)),
            )

    def parts(self, wanted: dict[int, list[str]]) -> dict[int, dict[str, bytes]]:
        """The raw bytes of the wanted sections of each message (not marked read): one
        FETCH per distinct list of sections (most mail has its XML at the same place)."""
        by_sections: dict[tuple[str, ...], list[int]] = {}
        for uid, sections in wanted.items():
            if sections:
                by_sections.setdefault(tuple(sections), []).append(uid)
        found: dict[int, dict[str, bytes]] = {uid: {} for uid in wanted}
        for group, uids in by_sections.items():
            data = self._call("fetch", uids, [f"BODY.PEEK[{s}]" for s in group])
            for uid in uids:
                item = data.get(uid, {})
                found[uid] = {s: bytes(item.get(f"BODY[{s}]".encode(), b"") or b"") for s in group}
        return found

    def move(self, uids: list[int], folder: str) -> None:
        if not uids:
            return
        if b"MOVE" in self.capabilities:
            self._call("move", uids, folder)
            return
        self._call("copy", uids, folder)
        self._call("add_flags", uids, [b"\\Deleted"])
        if b"UIDPLUS" in self.capabilities:
            self._call("uid_expunge", uids)
        else:
            self._call("expunge")

    # -- waiting ------------------------------------------------------------------------
    def idle_start(self) -> None:
        self._call("idle")

    def idle_wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for news; True when the server reported some. A dead
        connection raises (imapclient can return empty answers forever after a drop)."""
        try:
            responses = self.client.idle_check(timeout=seconds)
        except (TimeoutError, OSError, IMAPClientError, ssl.SSLError) as exc:
            raise ImapError(f"idle: {type(exc).__name__}: {exc}") from exc
        for response in responses:
            if (
                isinstance(response, tuple)
                and len(response) >= 2
                and response[1]
                in (
                    b"EXISTS",
                    b"RECENT",
                )
            ):
                return True
            if response and response[0] == b"BYE":
                raise ImapError("server said BYE")
        return False

    def idle_stop(self) -> None:
        self._call("idle_done")

    def noop(self) -> None:
        self._call("noop")
