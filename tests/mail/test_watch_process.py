"""``totalfact watch`` as a real process: SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.dovecot import Dovecot
from tests.dte_factory import Doc, envelope
from tests.mail.conftest import MailHelper, message
from totalfact_tui.db.session import Database


def test_sigterm_stops_the_watcher_cleanly(
    mail: MailHelper, dovecot: Dovecot, watch_db: Database, tmp_path: Path
) -> None:
    url = watch_db.engine.url.render_as_string(hide_password=False)
    env = {
        **os.environ,
        "TOTALFACT_CONFIG": str(tmp_path / "none.toml"),
        "TOTALFACT_IMAP_HOST": "127.0.0.1",
        "TOTALFACT_IMAP_PORT": str(dovecot.port),
        "TOTALFACT_IMAP_SECURITY": "plain",
        "TOTALFACT_IMAP_USERNAME": dovecot.user,
        "TOTALFACT_IMAP_PASSWORD": dovecot.password,
    }
    mail.deliver(message(("a.xml", envelope(Doc(1)))))
    watcher = subprocess.Popen(
        [sys.executable, "-m", "totalfact_tui", "--db", url, "watch"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert mail.wait_for(lambda: mail.count("TotalFact/Procesados") == 1, seconds=20)
        time.sleep(0.3)
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=20)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert watcher.returncode == 0, err
    assert "1 mensajes" in out and "Traceback" not in err
    assert "Deteniendo" in err and dovecot.password not in err
