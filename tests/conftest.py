"""Shared fixtures: an isolated environment per test, SQLite and PostgreSQL databases.

PostgreSQL tests use the server of ``TOTALFACT_TEST_PG_URL`` (default: the local
``test`` database) to create a throw-away database per test, dropped afterwards. When
the server is unreachable they skip, except with ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.work_data import work_db  # noqa: F401  (a fixture shared by services and CLI tests)
from totalfact_tui.cli.app import main

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def unavailable(reason: str) -> None:
    """Skip a test that needs a missing service or file, or fail the run in CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service or file is a failure)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def spanish_by_default() -> Iterator[None]:
    """The interface language is process-wide: each test starts (and ends) in Spanish."""
    from totalfact_tui.i18n import set_language

    set_language("es")
    yield
    set_language("es")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the real user folders or inherits TOTALFACT_* settings."""
    for name in list(os.environ):
        if name.startswith("TOTALFACT_") and name != "TOTALFACT_TEST_PG_URL":
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    return home


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'totalfact.db'}"


def _pg_admin_url() -> str:
    return os.environ.get("TOTALFACT_TEST_PG_URL", DEFAULT_PG_URL)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    try:
        import psycopg  # noqa: F401
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url
    except ImportError as exc:  # pragma: no cover - the dev extra installs psycopg
        unavailable(f"psycopg is not installed: {exc}")
    admin_url = make_url(_pg_admin_url())
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"totalfact_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        unavailable(f"PostgreSQL at {admin_url.render_as_string()} is unreachable: {exc}")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(fixture))


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> object:
    """Run ``totalfact ARGS`` in-process through its real entry point."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        unavailable(f"{SHARED} is absent (a fresh clone has no ../shared)")
    return SHARED


@pytest.fixture(scope="module")
def shared_dir_module() -> Path:
    if not SHARED.is_dir():
        unavailable(f"{SHARED} is absent (a fresh clone has no ../shared)")
    return SHARED
