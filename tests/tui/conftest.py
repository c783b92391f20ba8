"""A demo database built once (fixed clock and seed), copied for every test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot

from totalfact_tui.services.database import open_app_database
from totalfact_tui.services.demo import DemoOptions, build_demo
from totalfact_tui.tui.app import TotalfactApp
from totalfact_tui.tui.context import TuiSettings

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    database = open_app_database(f"sqlite:///{path}")
    build_demo(database, DemoOptions(today=TODAY, customers=40, invoices=800))
    database.engine.dispose()
    return path


@pytest.fixture
def demo_url(demo_file: Path, tmp_path: Path) -> str:
    copy = tmp_path / "demo.db"
    shutil.copy(demo_file, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def make_app(demo_url: str) -> Callable[..., TotalfactApp]:
    def make(username: str = "cperez", today: date = TODAY, **kwargs: object) -> TotalfactApp:
        return TotalfactApp(
            TuiSettings(database_url=demo_url, username=username, today=today, **kwargs)  # type: ignore[arg-type]
        )

    return make


async def settle(pilot: Pilot[None], seconds: float = 0.05) -> None:
    """Let workers finish and the screen catch up."""
    for _ in range(200):
        await pilot.pause(seconds)
        if not any(w.is_running for w in pilot.app.workers):
            await pilot.pause()
            return
    raise AssertionError("workers did not finish")
