"""What the screens share once the database is open (built in a worker thread)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from totalfact_tui.db.session import Database
    from totalfact_tui.services.agenda import Person
    from totalfact_tui.services.catalog import Catalogs


@dataclass(frozen=True)
class TuiSettings:
    """Settings the screens need, read once by the face that starts the app."""

    database_url: str
    username: str | None
    lang: str = "es"
    timezone: str = "America/Santiago"
    lead_days: int = 3
    grace_days: int = 1
    close_detail_after_log: bool = True
    today: date | None = None  # fixed clock for tests and screenshots
    dial_command: str | None = None
    opener: str | None = None
    theme: str = "textual-dark"
    keymap: dict[str, object] = field(default_factory=dict)
    #: The ``smtp.*`` settings: when they name a server, queued mail is sent in the
    #: background every ``send_every_seconds``.
    smtp: dict[str, object] = field(default_factory=dict)
    send_every_seconds: float = 60.0
    #: Ask for the password before the agenda opens (once any user has one).
    require_password: bool = False

    def current_day(self) -> date:
        return self.today or datetime.now(ZoneInfo(self.timezone)).date()


@dataclass
class TuiContext:
    settings: TuiSettings
    database: Database
    viewer: Person
    catalogs: Catalogs
    collectors: list[Person] = field(default_factory=list)
    #: The viewer's result codes, most used first (keys 1-9 of the call form).
    result_usage: list[str] = field(default_factory=list)
    #: The viewer's remembered agenda order.
    order: str = "oldest"
    #: Active users (name, username): whom a task can be given to.
    people: list[tuple[str, str]] = field(default_factory=list)


def open_context(settings: TuiSettings) -> TuiContext:
    """Blocking: connect, migrate, read the user, catalogs and preferences. Run in a
    worker. (Promises are settled by the agenda's first load.)"""
    from totalfact_tui.services.actions import most_used_results
    from totalfact_tui.services.agenda import collectors, order_preference, person
    from totalfact_tui.services.catalog import load_catalogs
    from totalfact_tui.services.database import open_app_database
    from totalfact_tui.services.users import list_users

    database = open_app_database(settings.database_url)
    viewer = person(database, settings.username)
    catalogs = load_catalogs(database)
    team = collectors(database) if viewer.supervises else []
    usage = most_used_results(database, viewer.user_id)
    order = order_preference(database, viewer.user_id)
    people = sorted((u.name, u.username) for u in list_users(database) if u.active)
    return TuiContext(settings, database, viewer, catalogs, team, usage, order, people)
