"""The one place that reads settings.

Precedence, highest first: command-line option > environment ``TOTALFACT_*`` >
``config.toml`` in the user config folder (or the file named by ``TOTALFACT_CONFIG``) >
defaults. A dotted setting name maps to a TOML table and an environment name:
``imap.host`` is ``[imap] host`` in the file and ``TOTALFACT_IMAP_HOST`` in the
environment. Nothing is created on disk by reading the configuration.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_config_path, user_data_path

from totalfact_tui.domain.errors import TotalfactError

APP_NAME = "totalfact"
ENV_PREFIX = "TOTALFACT_"
CONFIG_FILE_ENV = "TOTALFACT_CONFIG"
LANGUAGES = ("es", "en")


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    type: type
    secret: bool = False

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.replace(".", "_").upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("database_url", None, str, secret=True),
    Setting("user", None, str),
    # Ask for the user's password (TUI sign-in screen; TOTALFACT_PASSWORD or a prompt
    # for commands) once any user has one.
    Setting("require_password", False, bool),
    Setting("lang", "es", str),
    Setting("timezone", "America/Santiago", str),
    Setting("preventive_lead_days", 3, int),
    Setting("promise_grace_days", 1, int),
    Setting("default_payment_term_days", 30, int),
    Setting("max_file_mb", 20, int),
    Setting("close_detail_after_log", True, bool),
    # A softphone's command line, with {phone}: "linphonecsh dial {phone}".
    Setting("dial_command", None, str),
    # How links (wa.me, tel:) are opened: a command with {url}; empty: the system's.
    Setting("opener", None, str),
    Setting("theme", "textual-dark", str),
    # The mailbox the watcher reads DTE attachments from (``totalfact watch``).
    Setting("imap.host", None, str),
    Setting("imap.port", None, int),  # default: 993 for ssl, 143 otherwise
    Setting("imap.security", "ssl", str),  # ssl | starttls | plain (loopback only)
    Setting("imap.username", None, str),
    Setting("imap.password", None, str, secret=True),
    Setting("imap.password_command", None, str),
    Setting("imap.oauth2_token_command", None, str),  # XOAUTH2 (Gmail, Microsoft 365)
    Setting("imap.mailbox", "INBOX", str),
    Setting("imap.processed_folder", "TotalFact/Procesados", str),
    Setting("imap.failed_folder", "TotalFact/Errores", str),
    Setting("imap.ignored_folder", "TotalFact/Ignorados", str),
    Setting("imap.no_xml", "leave", str),  # leave | move (to the ignored folder)
    Setting("imap.poll_seconds", 60, int),  # when the server has no IDLE
    Setting("imap.batch_size", 50, int),
    Setting("imap.timeout", 30, int),
    Setting("imap.ca_file", None, str),
    # The server the outbox sends through (``totalfact outbox send``).
    Setting("smtp.host", None, str),
    Setting("smtp.port", None, int),  # default: 465 for ssl, 587 for starttls, 25 plain
    Setting("smtp.security", "starttls", str),  # ssl | starttls | plain (loopback only)
    Setting("smtp.username", None, str),
    Setting("smtp.password", None, str, secret=True),
    Setting("smtp.password_command", None, str),
    Setting("smtp.from", None, str),
    Setting("smtp.reply_to", None, str),
    Setting("smtp.bcc", None, str),  # an archive address that gets a copy of every email
    Setting("smtp.ca_file", None, str),
    Setting("smtp.timeout", 30, int),
    Setting("smtp.max_attempts", 8, int),
    # Cadence steps: a list of {days, template, channels}; None: the built-in cadence.
    Setting("dunning.steps", None, list),
)
DUNNING_SEGMENT_PREFIX = "dunning.segments."
KEYMAP_PREFIX = "keymap."
_BY_NAME = {setting.name: setting for setting in SETTINGS}


def config_file_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    explicit = environ.get(CONFIG_FILE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return user_config_path(APP_NAME) / "config.toml"


def data_dir() -> Path:
    return user_data_path(APP_NAME)


def default_database_path() -> Path:
    return data_dir() / "totalfact.db"


@dataclass
class Config:
    """Effective settings, each with where its value came from."""

    values: dict[str, Any]
    sources: dict[str, str]
    file_path: Path
    extra: dict[str, Any] = field(default_factory=dict)
    #: ``[keymap]``: binding id -> keys (``"detail.log_call" = "L,ctrl+l"``), checked by
    #: the TUI at start.
    keymap: dict[str, Any] = field(default_factory=dict)
    #: ``[dunning.segments.<segment>] steps = [...]``: a segment's own cadence.
    dunning_segments: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.values[name]

    @property
    def database_url(self) -> str:
        url = self.values["database_url"]
        return str(url) if url else f"sqlite:///{default_database_path()}"

    @property
    def uses_default_database(self) -> bool:
        return not self.values["database_url"]

    @property
    def user(self) -> str | None:
        value = self.values["user"]
        return str(value) if value else None

    @property
    def lang(self) -> str:
        return str(self.values["lang"])

    def prepare_default_database_folder(self) -> None:
        """Create the data folder (mode 0700) when the default SQLite file is used."""
        if self.uses_default_database:
            default_database_path().parent.mkdir(parents=True, exist_ok=True, mode=0o700)

    def display_rows(self) -> list[tuple[str, str, str]]:
        """(name, value, source) for ``config show``, secrets masked."""
        rows = []
        for setting in SETTINGS:
            value = self.values[setting.name]
            if setting.name == "database_url":
                shown = _mask_url(self.database_url)
            elif setting.secret and value:
                shown = "********"
            else:
                shown = "" if value is None else str(value)
            rows.append((setting.name, shown, self.sources[setting.name]))
        return rows


def _mask_url(url: str) -> str:
    # user:password@host -> user:***@host without importing SQLAlchemy here.
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    if ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def normalize_lang(value: str) -> str:
    lang = value.strip().lower().replace("_", "-").split("-")[0]
    if lang not in LANGUAGES:
        raise TotalfactError("error.unknown_language", lang=value, choices=", ".join(LANGUAGES))
    return lang


def _convert(setting: Setting, raw: Any, source: str) -> Any:
    if setting.type is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "si", "sí", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise TotalfactError("error.config_value", name=setting.name, source=source, value=raw)
    if setting.type is list:
        if isinstance(raw, list):
            return raw
        try:
            parsed = json.loads(str(raw))
        except ValueError:
            parsed = None
        if not isinstance(parsed, list):
            raise TotalfactError("error.config_value", name=setting.name, source=source, value=raw)
        return parsed
    if setting.type is int:
        if isinstance(raw, bool):
            raise TotalfactError("error.config_value", name=setting.name, source=source, value=raw)
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise TotalfactError(
                "error.config_value", name=setting.name, source=source, value=raw
            ) from None
    value = str(raw)
    return normalize_lang(value) if setting.name == "lang" else value


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, prefix=f"{name}."))
        else:
            flat[name] = value
    return flat


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TotalfactError("error.config_file", path=str(path), reason=str(exc)) from exc
    return _flatten(data)


def load_config(
    options: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Config:
    """Resolve every setting. ``options`` holds command-line values (None = not given)."""
    environ = os.environ if environ is None else environ
    options = options or {}
    path = config_file_path(environ)
    from_file = _read_file(path)
    unknown = sorted(
        name
        for name in set(from_file) - set(_BY_NAME)
        if not name.startswith((KEYMAP_PREFIX, DUNNING_SEGMENT_PREFIX))
    )
    segments = {
        name.removeprefix(DUNNING_SEGMENT_PREFIX).removesuffix(".steps"): value
        for name, value in from_file.items()
        if name.startswith(DUNNING_SEGMENT_PREFIX) and name.endswith(".steps")
    }
    keymap = {
        name.removeprefix(KEYMAP_PREFIX): value
        for name, value in from_file.items()
        if name.startswith(KEYMAP_PREFIX)
    }
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        if options.get(setting.name) is not None:
            raw, source = options[setting.name], "option"
        elif environ.get(setting.env):
            raw, source = environ[setting.env], f"env {setting.env}"
        elif setting.name in from_file:
            raw, source = from_file[setting.name], f"file {path}"
        else:
            values[setting.name], sources[setting.name] = setting.default, "default"
            continue
        values[setting.name] = _convert(setting, raw, source)
        sources[setting.name] = source
    extra = {name: from_file[name] for name in unknown}
    return Config(
        values=values,
        sources=sources,
        file_path=path,
        extra=extra,
        keymap=keymap,
        dunning_segments=segments,
    )
