"""``totalfact users passwd|disable|enable`` and commands that must sign in when
``require_password`` is set."""

from __future__ import annotations

import io
from typing import Any

import pytest

from totalfact_tui.db.session import Database
from totalfact_tui.services import users

Cli = Any


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def test_passwd_from_stdin_then_commands_need_it(
    cli: Cli, work_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _url(work_db)
    monkeypatch.setattr("sys.stdin", io.StringIO("clave-admin-1\n"))
    done = cli("--db", url, "--user", "admin", "users", "passwd", "admin", "--password-stdin")
    assert done.code == 0, done.err
    monkeypatch.setenv("TOTALFACT_REQUIRE_PASSWORD", "true")
    monkeypatch.setenv("TOTALFACT_PASSWORD", "equivocada")
    refused = cli("--db", url, "--user", "admin", "users", "list")
    assert refused.code == 1
    assert "incorrectos" in refused.err + refused.out
    assert "Traceback" not in refused.err + refused.out
    monkeypatch.setenv("TOTALFACT_PASSWORD", "clave-admin-1")
    listed = cli("--db", url, "--user", "admin", "users", "list", "--format", "json")
    assert listed.code == 0 and '"ana"' in listed.out


def test_disable_is_for_admins(cli: Cli, work_db: Database) -> None:
    url = _url(work_db)
    refused = cli("--db", url, "--user", "ana", "users", "disable", "beto")
    assert refused.code == 1 and "rol" in refused.err + refused.out
    assert cli("--db", url, "--user", "admin", "users", "disable", "beto").code == 0
    assert [u.active for u in users.list_users(work_db) if u.username == "beto"] == [False]
    # A disabled user cannot act.
    acting = cli("--db", url, "--user", "beto", "users", "list")
    assert acting.code == 1
    assert cli("--db", url, "--user", "admin", "users", "enable", "beto").code == 0
