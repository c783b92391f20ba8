"""A real SMTP server (aiosmtpd) for the tests, in this process: it records what it
receives and can be told to refuse the next messages (4xx, 5xx) or drop the line."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.dovecot import free_port

USER, PASSWORD = "envios", "clave-smtp"


@dataclass
class Recorder:
    """The handler: ``plan`` holds what to answer the next DATA commands."""

    received: list[Any] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.plan:
            action = self.plan.pop(0)
            if action == "drop":
                server.transport.close()  # the line drops mid-transaction
                return "421 4.4.2 closing"
            return action
        self.received.append(envelope)
        return "250 2.0.0 OK"


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    good = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=good, handled=False)


@dataclass
class SmtpServers:
    recorder: Recorder
    plain_port: int
    tls_port: int
    ca_file: Path
    controllers: list[Controller]

    def stop(self) -> None:
        for controller in self.controllers:
            controller.stop()


def start_servers(folder: Path) -> SmtpServers:
    from tests.certs import certificates

    folder.mkdir(parents=True, exist_ok=True)
    ca_file, cert, key = certificates(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    recorder = Recorder()
    plain = Controller(
        recorder, hostname="127.0.0.1", port=free_port(), server_hostname="localhost"
    )
    secure = Controller(
        recorder,
        hostname="127.0.0.1",
        port=free_port(),
        server_hostname="localhost",
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticator,
        auth_required=True,
    )
    plain.start()
    secure.start()
    return SmtpServers(recorder, plain.port, secure.port, ca_file, [plain, secure])
