"""``totalfact watch --once --json`` and ``--status``, configured by environment."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.dovecot import Dovecot
from tests.dte_factory import Doc, envelope
from tests.mail.conftest import MailHelper, imap_env, message
from totalfact_tui.db.session import Database

Cli = Any


def test_watch_once_json_and_status(
    cli: Cli,
    mail: MailHelper,
    dovecot: Dovecot,
    watch_db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = watch_db.engine.url.render_as_string(hide_password=False)
    for name, value in {
        **imap_env(dovecot),
        "TOTALFACT_IMAP_PROCESSED_FOLDER": "Listos",
        "TOTALFACT_IMAP_FAILED_FOLDER": "Malos",
    }.items():
        monkeypatch.setenv(name, value)
    mail.deliver(
        message(("a.xml", envelope(Doc(1), Doc(2)))),
        message(("b.xml", b"no es xml")),
    )
    result = cli("--db", url, "watch", "--once", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "messages": 2,
        "documents": 2,
        "new": 2,
        "duplicates": 0,
        "skipped": 0,
        "rejected": 1,  # the file that is not XML
        "failed_messages": 1,
    }
    assert (mail.count("Listos"), mail.count("Malos")) == (1, 1)
    status = cli("--db", url, "watch", "--status", "--json")
    (row,) = json.loads(status.out)
    assert row["messages"] == 2 and row["last_error"] is None
    shown = cli("--db", url, "config", "show")
    assert dovecot.password not in shown.out  # the password is never printed
    monkeypatch.setenv("TOTALFACT_IMAP_PASSWORD", "mala")
    refused = cli("--db", url, "watch", "--once")
    assert refused.code == 1 and "rechazó" in refused.err and "Traceback" not in refused.err
    assert "mala" not in refused.err
