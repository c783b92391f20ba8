"""What every command shares: the effective configuration and the open database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from totalfact_tui.config import Config, load_config

if TYPE_CHECKING:
    from totalfact_tui.db.session import Database


@dataclass
class CliState:
    options: dict[str, Any] = field(default_factory=dict)
    _config: Config | None = None
    _database: Database | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.options)
        return self._config

    @property
    def user(self) -> str | None:
        return self.config.user

    def today(self) -> date:
        """Today in the configured time zone (America/Santiago by default)."""
        return datetime.now(ZoneInfo(self.config.get("timezone"))).date()

    def database(self) -> Database:
        """Open (and migrate) the database once per command; check the acting user."""
        if self._database is None:
            from totalfact_tui.services.database import open_app_database
            from totalfact_tui.services.users import check_acting_user

            self.config.prepare_default_database_folder()
            self._database = open_app_database(self.config.database_url)
            if self.user:
                check_acting_user(self._database, self.user)
                if self.config.get("require_password"):
                    self._sign_in(self._database, self.user)
        return self._database

    def _sign_in(self, database: Database, username: str) -> None:
        """With ``require_password``: the password from TOTALFACT_PASSWORD, else asked
        (not before any user has one: the first admin sets theirs)."""
        import os

        import typer

        from totalfact_tui.i18n import t
        from totalfact_tui.services.users import passwords_in_use, sign_in

        with database.read() as session:
            if not passwords_in_use(session):
                return
        password = os.environ.get("TOTALFACT_PASSWORD")
        if password is None:
            password = typer.prompt(t("auth.password_for", username=username), hide_input=True)
        sign_in(database, username, password)

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()
            self._database = None
