"""Passwords, sign-in with lockout, disabling accounts; refused actions are clear errors
and stay in the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from totalfact_tui.db.models import AuditEntry, User
from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import Forbidden, InvalidValue, NotFound, SignInFailed
from totalfact_tui.services import audit, users
from totalfact_tui.services.passwords import hash_password, verify_password

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _audit(database: Database, action: str) -> list[AuditEntry]:
    with database.read() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return list(rows)


def test_hashes_are_salted_scrypt_and_verify() -> None:
    first, second = hash_password("correcto caballo"), hash_password("correcto caballo")
    assert first.startswith("scrypt$n=16384,r=8,p=1$") and first != second
    assert verify_password("correcto caballo", first)
    assert not verify_password("incorrecto", first)
    assert not verify_password("correcto caballo", "md5$abc")
    assert not verify_password("x", "scrypt$garbage")


def test_who_may_set_a_password(work_db: Database) -> None:
    # Set-up: before anyone has a password, the system may set the first one.
    users.set_password(work_db, "admin", "clave-admin-1")
    # Then only admins set anyone's, and each user their own.
    users.set_password(work_db, "ana", "clave-de-ana", acting="admin")
    users.set_password(work_db, "ana", "otra-clave-ana", acting="ana")
    with pytest.raises(Forbidden):
        users.set_password(work_db, "beto", "clave-de-beto", acting="ana")
    with pytest.raises(Forbidden):
        users.set_password(work_db, "beto", "clave-de-beto")  # the system, after set-up
    refused = _audit(work_db, "refused")
    assert [(r.username, r.entity_id, r.after) for r in refused] == [
        ("ana", "beto", {"action": "passwd"}),
        ("system", "beto", {"action": "passwd"}),
    ]
    with pytest.raises(InvalidValue):
        users.set_password(work_db, "ana", "corta", acting="ana")
    with work_db.read() as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "ana"))
    assert stored is not None and "otra-clave-ana" not in stored
    assert not any("clave" in str(entry.after) for entry in _audit(work_db, "passwd"))


def test_sign_in_locks_after_repeated_failures(work_db: Database) -> None:
    users.set_password(work_db, "ana", "clave-de-ana")
    assert users.sign_in(work_db, "ana", "clave-de-ana", NOW).username == "ana"
    for attempt in range(users.MAX_FAILURES):
        with pytest.raises(SignInFailed) as failed:
            users.sign_in(work_db, "ana", "mala", NOW + timedelta(seconds=attempt))
        assert failed.value.key == "auth.failed"
    # Locked: even the right password is refused until the lock ends.
    with pytest.raises(SignInFailed) as locked:
        users.sign_in(work_db, "ana", "clave-de-ana", NOW + timedelta(minutes=1))
    assert locked.value.key == "auth.locked"
    assert len(_audit(work_db, "sign_in_failed")) == users.MAX_FAILURES
    assert len(_audit(work_db, "locked")) == 1
    later = NOW + timedelta(minutes=users.LOCK_MINUTES + 1)
    assert users.sign_in(work_db, "ana", "clave-de-ana", later).username == "ana"
    # An unknown user reads exactly like a wrong password.
    with pytest.raises(SignInFailed) as unknown:
        users.sign_in(work_db, "nadie", "clave-de-ana", later)
    assert unknown.value.key == "auth.failed"


def test_a_user_without_password_is_told_how_to_get_one(work_db: Database) -> None:
    users.set_password(work_db, "admin", "clave-admin-1")
    with pytest.raises(SignInFailed) as missing:
        users.sign_in(work_db, "beto", "cualquiera", NOW)
    assert missing.value.key == "auth.no_password"


def test_disabled_accounts_cannot_sign_in_or_act(work_db: Database) -> None:
    users.set_password(work_db, "beto", "clave-de-beto")
    with pytest.raises(Forbidden):
        users.set_active(work_db, "beto", False, acting="ana")
    with pytest.raises(InvalidValue):
        users.set_active(work_db, "admin", False, acting="admin")
    assert users.set_active(work_db, "beto", False, acting="admin").active is False
    with pytest.raises(SignInFailed):
        users.sign_in(work_db, "beto", "clave-de-beto", NOW)
    with work_db.read() as session, pytest.raises(NotFound):
        audit.resolve_actor(session, "beto")
    (entry,) = _audit(work_db, "disable")
    assert (entry.before, entry.after) == ({"active": True}, {"active": False})
    users.set_active(work_db, "beto", True, acting="admin")
    assert users.sign_in(work_db, "beto", "clave-de-beto", NOW).active
