from __future__ import annotations

from pathlib import Path

import pytest

from totalfact_tui.config import config_file_path, load_config
from totalfact_tui.domain.errors import TotalfactError


def write_config(text: str) -> Path:
    path = config_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_or_env() -> None:
    config = load_config({}, environ={})
    assert config.lang == "es"
    assert config.user is None
    assert config.uses_default_database
    assert config.database_url.startswith("sqlite:///")
    assert config.database_url.endswith("/totalfact/totalfact.db")
    assert config.sources["lang"] == "default"


def test_reading_the_configuration_creates_nothing(isolated_env: Path) -> None:
    load_config({}).database_url  # noqa: B018
    assert not isolated_env.exists()


def test_precedence_option_over_env_over_file_over_default() -> None:
    path = write_config('user = "from_file"\nlang = "en"\npromise_grace_days = 2\n')
    env = {"TOTALFACT_USER": "from_env"}
    config = load_config({"user": None}, environ={**env, "XDG_CONFIG_HOME": ""})
    # environ given explicitly: the file location comes from the real environment.
    assert config.user == "from_env"
    assert config.sources["user"] == "env TOTALFACT_USER"
    assert config.lang == "en"
    assert config.sources["lang"] == f"file {path}"
    assert config.get("promise_grace_days") == 2
    assert config.get("preventive_lead_days") == 3
    config = load_config({"user": "from_option"}, environ=env)
    assert config.user == "from_option"
    assert config.sources["user"] == "option"


def test_config_file_can_be_named_by_environment(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text('lang = "en"\n', encoding="utf-8")
    config = load_config({}, environ={"TOTALFACT_CONFIG": str(other)})
    assert config.file_path == other
    assert config.lang == "en"


def test_bad_values_are_clear_errors() -> None:
    with pytest.raises(TotalfactError) as info:
        load_config({}, environ={"TOTALFACT_PROMISE_GRACE_DAYS": "soon"})
    assert info.value.key == "error.config_value"
    assert info.value.params["name"] == "promise_grace_days"
    with pytest.raises(TotalfactError) as info:
        load_config({"lang": "fr"}, environ={})
    assert info.value.key == "error.unknown_language"


def test_broken_toml_is_a_clear_error() -> None:
    path = write_config("user = \n")
    with pytest.raises(TotalfactError) as info:
        load_config({}, environ={})
    assert info.value.key == "error.config_file"
    assert info.value.params["path"] == str(path)


def test_unknown_keys_are_reported_not_fatal() -> None:
    write_config('colour = "blue"\n[imap]\nhots = "x"\n')
    config = load_config({}, environ={})
    assert set(config.extra) == {"colour", "imap.hots"}


def test_secrets_are_masked_for_display() -> None:
    config = load_config(
        {"database_url": "postgresql+psycopg://ana:s3cret@db.example/cobranza"}, environ={}
    )
    shown = dict((name, value) for name, value, _ in config.display_rows())
    assert "s3cret" not in shown["database_url"]
    assert shown["database_url"] == "postgresql+psycopg://ana:***@db.example/cobranza"


def test_lang_spellings_are_normalized() -> None:
    assert load_config({"lang": "es-CL"}, environ={}).lang == "es"
    assert load_config({"lang": "en_US"}, environ={}).lang == "en"
