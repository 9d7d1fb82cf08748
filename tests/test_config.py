"""Configuration: defaults, file, environment; every mistake names the setting."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from crawler.config import CheckConfig, Config, ConfigError, env_names, load_config

ROOT = Path(__file__).resolve().parents[1]


def test_example_config_is_loadable_and_equals_the_defaults() -> None:
    # The documented example cannot drift from the code: it must load, and say the defaults.
    config = load_config(ROOT / "linkwacht.example.toml", env={})
    assert config == Config()


def test_example_config_documents_every_setting() -> None:
    text = (ROOT / "linkwacht.example.toml").read_text()
    for f in dataclasses.fields(Config):
        assert f"{f.name}" in text
    for f in dataclasses.fields(CheckConfig):
        assert f"{f.name}" in text, f"check.{f.name} is not documented"


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    for var in env_names():
        assert var in readme, f"{var} is missing from the README's configuration reference"


def test_defaults_need_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.db_url == f"sqlite:///{tmp_path / 'data' / 'linkwacht.db'}"
    assert config.check.robots_txt and config.check.verify_tls


def test_file_in_working_directory_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "linkwacht.toml").write_text('db = "sqlite:///x.db"\n[check]\ntimeout = 5\n')
    config = load_config(env={})
    assert config.db_url == "sqlite:///x.db"
    assert config.check.timeout == 5.0


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('db = "sqlite:///file.db"\n')
    env = {
        "LINKWACHT_DB": "postgresql+psycopg://u@h/d",
        "LINKWACHT_CHECK_PER_HOST_DELAY": "0.25",
        "LINKWACHT_CHECK_ROBOTS_TXT": "false",
        "LINKWACHT_CHECK_HOST_MAP": "a.be=127.0.0.1:8080, b.be:443=127.0.0.2:8443",
    }
    config = load_config(path, env=env)
    assert config.db_url == "postgresql+psycopg://u@h/d"
    assert config.check.per_host_delay == 0.25
    assert config.check.robots_txt is False
    assert config.check.host_map == {"a.be": "127.0.0.1:8080", "b.be:443": "127.0.0.2:8443"}


@pytest.mark.parametrize(
    ("toml", "env", "message"),
    [
        ("dbb = 'x'\n", {}, "unknown setting dbb"),
        ("[check]\ntimeot = 3\n", {}, "unknown setting check.timeot"),
        ("[check]\ntimeout = 'soon'\n", {}, "check.timeout: expected a number, got 'soon'"),
        ("[check]\nretries = 2.5\n", {}, "check.retries: expected a whole number"),
        ("[check]\nrobots_txt = 'yes'\n", {}, "check.robots_txt: expected true or false"),
        ("check = 3\n", {}, "[check] must be a table"),
        ("db = [\n", {}, "not valid TOML"),
        ("", {"LINKWACHT_CHECK_TIMEOUT": "abc"}, "LINKWACHT_CHECK_TIMEOUT: expected a number"),
        ("", {"LINKWACHT_NOPE": "1"}, "LINKWACHT_NOPE: unknown setting"),
    ],
)
def test_mistakes_name_the_setting(
    tmp_path: Path, toml: str, env: dict[str, str], message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_config(path, env=env)
    assert message in str(info.value)
    if not env:
        assert str(path) in str(info.value)


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: configuration file not found"):
        load_config(tmp_path / "nope.toml", env={})
