"""SMTP, as the outbox needs it: connect (implicit TLS, STARTTLS, or plain on loopback
only), log in, send one message, and say whether a failure is worth a retry (4xx
replies, dropped connections) or final (5xx). Protocol only: no database."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import TracebackType

from totalfact_tui.mail.imap import is_loopback

SECURITY = ("ssl", "starttls", "plain")


class SmtpError(Exception):
    """A failed delivery; ``temporary`` says whether a later attempt may succeed."""

    def __init__(self, reply: str, *, temporary: bool) -> None:
        super().__init__(reply)
        self.reply = reply
        self.temporary = temporary


class SmtpConfigError(Exception):
    """Settings that cannot work (plain text to a remote host, a refused login)."""


@dataclass(frozen=True)
class SmtpConnection:
    host: str
    port: int
    security: str = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    timeout: float = 30.0


def default_port(security: str) -> int:
    return {"ssl": 465, "starttls": 587}.get(security, 25)


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}"


class SmtpSender:
    """One SMTP session, for several messages (``with SmtpSender(...) as sender``)."""

    def __init__(self, settings: SmtpConnection) -> None:
        if settings.security not in SECURITY:
            raise SmtpConfigError(f"security must be one of {', '.join(SECURITY)}")
        if settings.security == "plain" and not is_loopback(settings.host):
            raise SmtpConfigError("plain")
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        self.connect()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def connect(self) -> None:
        settings = self.settings
        context = (
            ssl.create_default_context(cafile=settings.ca_file)
            if settings.ca_file
            else ssl.create_default_context()
        )
        try:
            if settings.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=settings.timeout, context=context
                )
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
                if settings.security == "starttls":
                    client.starttls(context=context)
            if settings.username:
                client.login(settings.username, settings.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise SmtpConfigError(_reply(exc.smtp_code, exc.smtp_error)) from exc
        except smtplib.SMTPResponseException as exc:
            raise SmtpError(
                _reply(exc.smtp_code, exc.smtp_error), temporary=exc.smtp_code < 500
            ) from exc
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            raise SmtpError(f"{type(exc).__name__}: {exc}", temporary=True) from exc
        self.client = client

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> str | None:
        """Deliver ``message`` (a Bcc only in ``recipients``, never in its headers).
        Returns the replies of recipients refused while others accepted it."""
        if self.client is None:
            self.connect()
        assert self.client is not None
        try:
            refused = self.client.send_message(message, from_addr=sender, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            replies = "; ".join(
                f"{address}: {_reply(code, text)}"
                for address, (code, text) in exc.recipients.items()
            )
            raise SmtpError(replies, temporary=all(code < 500 for code in codes)) from exc
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise SmtpError(
                _reply(exc.smtp_code, exc.smtp_error), temporary=exc.smtp_code < 500
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise SmtpError(f"{type(exc).__name__}: {exc}", temporary=True) from exc
        if refused:
            return "; ".join(
                f"{address}: {_reply(code, text)}" for address, (code, text) in refused.items()
            )
        return None

    def _drop(self) -> None:
        """After an error the session may be unusable: the next send reconnects."""
        if self.client is not None:
            try:
                self.client.rset()
            except Exception:
                self.close()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except Exception:
                with contextlib.suppress(Exception):
                    self.client.close()
            self.client = None
