"""Dunning cadences as pure rules: steps by days relative to the due date, and which
step an invoice has reached on a day."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from totalfact_tui.domain.errors import InvalidValue

CHANNELS = ("email", "call")


@dataclass(frozen=True)
class Step:
    """``days`` after the due date (negative: before it): send ``template`` and, when
    ``call``, put the customer on its collector's agenda."""

    days: int
    template: str
    call: bool = False


DEFAULT_STEPS: tuple[Step, ...] = (
    Step(-3, "preventive_reminder"),
    Step(1, "soft_reminder"),
    Step(15, "soft_reminder"),
    Step(30, "hard_reminder", call=True),
    Step(60, "hard_reminder", call=True),
)


def parse_steps(raw: Iterable[Mapping[str, Any]] | None) -> tuple[Step, ...]:
    """Steps from the configuration (``[[dunning.steps]] days = 1, template = "...",
    channels = ["email", "call"]``), sorted by days; a clear error for a bad entry."""
    if raw is None:
        return DEFAULT_STEPS
    steps = []
    for entry in raw:
        try:
            days = int(entry["days"])
            template = str(entry.get("template") or "")
        except (KeyError, TypeError, ValueError):
            raise InvalidValue("dunning.bad_step", value=str(entry)) from None
        channels = entry.get("channels", ["email"])
        if not isinstance(channels, list | tuple) or not set(channels) <= set(CHANNELS):
            raise InvalidValue("dunning.bad_step", value=str(entry))
        if "email" in channels and not template:
            raise InvalidValue("dunning.bad_step", value=str(entry))
        steps.append(Step(days, template if "email" in channels else "", "call" in channels))
    if len({s.days for s in steps}) != len(steps):
        raise InvalidValue("dunning.duplicate_days")
    return tuple(sorted(steps, key=lambda s: s.days))


def step_reached(steps: Sequence[Step], due: date, today: date) -> Step | None:
    """The latest step whose day has come for an invoice due on ``due``."""
    elapsed = (today - due).days
    reached = [s for s in steps if s.days <= elapsed]
    return reached[-1] if reached else None
