"""A real, throw-away Dovecot IMAP server for tests (../shared/notes has the details).

The server runs in the foreground under the test's control, on 127.0.0.1 with free
ports: plain IMAP (fine on loopback) and IMAPS with a certificate made here, signed by
a CA made here. Mail processes run as ``nobody`` when the tests run as root.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.certs import certificates

USER = "cobranza"
PASSWORD = "secreta-123"
#: The OAuth2 access token the fake identity provider accepts (XOAUTH2 tests).
TOKEN = "ya29.token-de-prueba"


class _Introspection(http.server.BaseHTTPRequestHandler):
    """A tiny OAuth2 token introspection endpoint: Dovecot asks it about a token."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        good = f"token={TOKEN}" in body or TOKEN in (self.headers.get("Authorization") or "")
        answer = {"email": USER, "active": "true"} if good else {"active": "false"}
        data = json.dumps(answer).encode()
        self.send_response(200 if good else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST  # noqa: N815

    def log_message(self, *_args: object) -> None:
        return


def find_dovecot() -> str | None:
    return shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Dovecot:
    binary: str
    folder: Path
    port: int = field(default_factory=free_port)
    tls_port: int = field(default_factory=free_port)
    user: str = USER
    password: str = PASSWORD
    process: subprocess.Popen[bytes] | None = None
    ca_file: Path | None = None
    oauth: http.server.ThreadingHTTPServer | None = None

    @property
    def config(self) -> Path:
        return self.folder / "dovecot.conf"

    def prepare(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o711)  # noqa: S103 - traverse only, for the dovecot users
        # Dovecot's auth process (user dovecot) and the mail processes (nobody) must
        # traverse every folder above ours: temporary folders are 0700.
        for parent in self.folder.parents:
            info = parent.stat()
            if info.st_uid == os.geteuid() and not info.st_mode & 0o001:
                os.chmod(parent, (info.st_mode & 0o7777) | 0o011)  # noqa: S103 - traverse only
        mail = self.folder / "mail"
        mail.mkdir(exist_ok=True)
        self.ca_file, cert, key = certificates(self.folder)
        os.chmod(key, 0o644)
        self.oauth = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Introspection)
        threading.Thread(target=self.oauth.serve_forever, daemon=True).start()
        oauth_port = self.oauth.server_address[1]
        oauth_conf = self.folder / "oauth2.conf.ext"
        oauth_conf.write_text(
            f"introspection_mode = post\n"
            f"introspection_url = http://127.0.0.1:{oauth_port}/introspect\n"
            "username_attribute = email\n"
            "active_attribute = active\n"
            "active_value = true\n"
            "tls_ca_cert_file = /etc/ssl/certs/ca-certificates.crt\n"
        )
        os.chmod(oauth_conf, 0o644)
        passwd = self.folder / "passwd"
        passwd.write_text(f"{self.user}:{{PLAIN}}{self.password}::::::\n")
        os.chmod(passwd, 0o644)
        owner = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        if os.geteuid() == 0:
            os.chown(mail, owner.pw_uid, owner.pw_gid)
        self.config.write_text(
            f"""
base_dir = {self.folder}/run
state_dir = {self.folder}/state
log_path = {self.folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0 secs
mail_max_userip_connections = 100
mail_fsync = never
mailbox_idle_check_interval = 1 secs
mail_uid = {owner.pw_uid}
mail_gid = {owner.pw_gid}
first_valid_uid = {owner.pw_uid}
last_valid_uid = {owner.pw_uid}
first_valid_gid = {owner.pw_gid}
last_valid_gid = {owner.pw_gid}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {oauth_conf}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {passwd}
  override_fields = home={mail}/%u uid={owner.pw_uid} gid={owner.pw_gid}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
"""
        )

    def clear_stale_locks(self) -> None:
        """A killed server leaves its Maildir locks behind; Dovecot itself waits up to
        two minutes before taking them as stale. A restart in a test clears them."""
        for lock in (self.folder / "mail").rglob("*.lock"):
            with contextlib.suppress(OSError):
                lock.unlink()

    def start(self, timeout: float = 10.0) -> None:
        log = (self.folder / "stdout.log").open("ab")
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: kill() takes the children too
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("dovecot exited: " + self.log_tail())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dovecot did not answer: " + self.log_tail())

    def close(self) -> None:
        """Stop the server and the identity provider for good."""
        self.stop()
        if self.oauth is not None:
            self.oauth.shutdown()
            self.oauth = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def kill(self) -> None:
        """Stop the server abruptly (connections drop)."""
        if self.process is not None:
            # The master and every child (imap, imap-login, auth): open connections drop.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
            self.process = None
        time.sleep(0.2)

    def log_tail(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"

    def tls_context(self) -> ssl.SSLContext:
        assert self.ca_file is not None
        return ssl.create_default_context(cafile=str(self.ca_file))
