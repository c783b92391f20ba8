"""Snapshot tests of both screens at 80x24 and 140x40 (fixed clock and seed).

Regenerate after an intended layout change with
``pytest tests/tui/test_snapshots.py --snapshot-update`` and review the SVGs."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.conftest import TODAY, settle
from totalfact_tui.tui.app import TotalfactApp
from totalfact_tui.tui.context import TuiSettings

SIZES = [(80, 24), (140, 40)]


def app_for(url: str) -> TotalfactApp:
    return TotalfactApp(TuiSettings(database_url=url, username="cperez", today=TODAY))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_agenda_snapshot(snap_compare: Any, demo_url: str, size: tuple[int, int]) -> None:
    async def ready(pilot: Pilot[None]) -> None:
        await settle(pilot)

    assert snap_compare(app_for(demo_url), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_detail_snapshot(snap_compare: Any, demo_url: str, size: tuple[int, int]) -> None:
    async def open_detail(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app_for(demo_url), terminal_size=size, run_before=open_detail)


def test_log_call_snapshot(snap_compare: Any, demo_url: str) -> None:
    async def open_form(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)

    assert snap_compare(app_for(demo_url), terminal_size=(80, 24), run_before=open_form)


@pytest.mark.parametrize("theme", ["textual-light", "ansi-light"])
def test_detail_in_light_themes(snap_compare: Any, demo_url: str, theme: str) -> None:
    """Light terminals: Textual's light theme and the terminal's own ANSI colours."""

    async def open_detail(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    app = TotalfactApp(
        TuiSettings(database_url=demo_url, username="cperez", today=TODAY, theme=theme)
    )
    assert snap_compare(app, terminal_size=(140, 40), run_before=open_detail)


def test_payment_form_snapshot(snap_compare: Any, demo_url: str) -> None:
    async def open_form(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)

    assert snap_compare(app_for(demo_url), terminal_size=(100, 30), run_before=open_form)


def test_report_snapshot(snap_compare: Any, demo_url: str) -> None:
    async def open_report(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)

    app = TotalfactApp(TuiSettings(database_url=demo_url, username="jefe", today=TODAY))
    assert snap_compare(app, terminal_size=(140, 40), run_before=open_report)


def test_report_hours_chart_snapshot(snap_compare: Any, demo_url: str) -> None:
    async def open_hours(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)

    app = TotalfactApp(TuiSettings(database_url=demo_url, username="jefe", today=TODAY))
    assert snap_compare(app, terminal_size=(140, 40), run_before=open_hours)


def test_customer_profile_snapshot(snap_compare: Any, demo_url: str) -> None:
    async def open_profile(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)

    assert snap_compare(app_for(demo_url), terminal_size=(140, 40), run_before=open_profile)
