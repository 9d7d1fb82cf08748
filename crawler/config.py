"""Configuration: defaults, a TOML file, then environment variables, in that order.

Every setting has a sane default so that a fresh clone runs with no configuration at all.
An unknown key or a value of the wrong type is a ``ConfigError`` naming the key and where
it came from (file or environment variable).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_FILE_NAME = "linkwacht.toml"
ENV_PREFIX = "LINKWACHT_"
DEFAULT_USER_AGENT = (
    "linkwacht/0.1 (link-health checker for living registers; "
    "+https://github.com/linkwacht/linkwacht)"
)


class ConfigError(ValueError):
    """A setting is unknown or has the wrong type; the message names it and its origin."""


@dataclass(frozen=True)
class CheckConfig:
    """How the check fetches: politeness, safety caps and network plumbing."""

    user_agent: str = DEFAULT_USER_AGENT
    concurrency: int = 16  # requests in flight over all hosts (per worker process)
    per_host_concurrency: int = 1
    per_host_delay: float = 1.0  # seconds between two requests to one host
    timeout: float = 30.0  # seconds for one request, body included
    retries: int = 2  # extra attempts for timeouts, resets, 5xx, 429
    retry_backoff: float = 2.0  # first retry delay in seconds, doubled each time
    retry_after_cap: float = 30.0  # longest Retry-After honoured before calling it blocked
    max_redirects: int = 10
    max_body_bytes: int = 2_000_000  # HTML read at most this much
    max_pdf_bytes: int = 20_000_000  # PDFs must be read whole to be parsed
    max_decompressed_bytes: int = 50_000_000  # gzip bombs stop here
    run_budget: float = 3 * 3600.0  # seconds for the whole run
    robots_txt: bool = True
    verify_tls: bool = True
    ca_bundle: str = ""  # extra CA certificates (PEM), added to the system trust store
    proxy: str = ""  # http(s) proxy; empty: the usual *_PROXY environment variables
    host_map: dict[str, str] = field(default_factory=dict)  # "host[:port]" -> "addr:port"
    resolve_unmapped: bool = True  # False: names outside host_map do not resolve (tests)
    workers: int = 1  # 1: crawl in this process; N > 1: N processes, sharded by host; 0: per core
    outage_share: float = 0.8  # share of hosts failing at network level -> inconclusive
    outage_min_hosts: int = 3
    pdf_timeout: float = 10.0
    pdf_memory_mb: int = 512
    recheck_delay: float = 60.0  # seconds before broken links are fetched once more
    detectors: bool = True  # soft 404, parked domains, deleted videos, content drift
    oembed_url: str = "https://www.youtube.com/oembed"
    archive_lookups: bool = True  # offer a Wayback Machine copy for every broken link
    archive_url: str = "https://archive.org"  # availability API at /wayback/available
    archive_cache_days: int = 30  # an answer is reused this long (the API is rate-limited)


@dataclass(frozen=True)
class ScheduleConfig:
    """The service (``linkwacht schedule``): when checks run and how they are stopped."""

    cron: str = "0 4 * * *"  # crontab fields: minute hour day month weekday
    timezone: str = "Europe/Brussels"  # 04:00 there is never skipped or repeated by DST
    misfire_grace_time: int = 21600  # seconds late a missed run may still start (once)
    stop_grace: float = 300.0  # seconds a running check may take to finish on SIGTERM
    kill_after: float = 30.0  # then SIGTERM to the check; SIGKILL after this many seconds
    lock_ttl: float = 600.0  # the database lock lapses this long after its holder vanished
    log_file: str = ""  # rotating log; empty: data_dir/linkwacht.log
    check_command: str = ""  # empty: this Python's "-m linkwacht.cli check"
    canary_urls: str = ""  # comma-separated; if none answers, the run is inconclusive
    canary_timeout: float = 10.0


@dataclass(frozen=True)
class AlertsConfig:
    """When an entry counts as broken, and what the e-mails contain."""

    confirm_runs: int = 2  # consecutive runs with a confirmed hard failure -> broken
    transient_runs: int = 3  # consecutive runs failing in any way -> broken
    weekly_summary: str = ""  # a weekday (e.g. "monday"): summary mail when nothing changed
    report_url: str = ""  # where the published report lives, linked from every digest


@dataclass(frozen=True)
class SmtpConfig:
    """The mail server. The password comes only from LINKWACHT_SMTP_PASSWORD."""

    host: str = ""  # empty: no e-mail is sent (the digest is logged)
    port: int = 587
    security: str = "starttls"  # starttls, tls (implicit, port 465) or none
    user: str = ""  # empty: no authentication
    sender: str = ""  # From:, e.g. "linkwacht <linkwacht@example.org>"
    maintainers: str = ""  # comma-separated: digests and summaries
    administrators: str = ""  # comma-separated: outage and failure notices
    timeout: float = 30.0
    ca_bundle: str = ""  # extra CA certificates (PEM) besides the system's


@dataclass(frozen=True)
class Config:
    """All settings. Paths are relative to the working directory."""

    db: str = ""  # any SQLAlchemy URL; empty = SQLite file in data_dir
    data_dir: str = "data"
    register: str = "register_seed.csv"
    out: str = "out"
    lang: str = "nl"  # report language: nl, fr or en
    check: CheckConfig = field(default_factory=CheckConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)

    @property
    def db_url(self) -> str:
        if self.db:
            return self.db
        path = (Path(self.data_dir) / "linkwacht.db").resolve()
        return f"sqlite:///{path}"


def load_config(
    path: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Build the configuration: defaults < TOML file < environment < explicit overrides.

    ``path`` None means ``linkwacht.toml`` in the working directory if it exists.
    ``overrides`` are dotted keys from command-line options ({"db": ..., "check.workers": 2}).
    """
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    if path is None and Path(CONFIG_FILE_NAME).is_file():
        path = CONFIG_FILE_NAME
    if path is not None:
        data = _read_toml(Path(path))
    config = _build(Config, data, origin=str(path or "defaults"), prefix="")
    config = _apply_env(config, env)
    for dotted, value in (overrides or {}).items():
        if value is not None:
            config = _replace_dotted(config, dotted, value, origin="command line")
    return config


def validate_for_check(config: Config) -> None:
    """What only a crawl would trip over, said before one starts (a crawl would otherwise
    fail every request and look like a network outage)."""
    from crawler.hostmap import parse_host_map

    try:
        parse_host_map(config.check.host_map)
    except ValueError as exc:
        raise ConfigError(f"check.{exc}") from None
    bundle = config.check.ca_bundle
    if bundle and not Path(bundle).is_file():
        raise ConfigError(f"check.ca_bundle: no such file: {bundle}")
    if config.check.proxy and "://" not in config.check.proxy:
        raise ConfigError(
            f"check.proxy: expected a URL such as http://proxy:3128, got {config.check.proxy!r}"
        )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _build(cls: type[Any], data: Mapping[str, Any], *, origin: str, prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        names = ", ".join(prefix + k for k in unknown)
        raise ConfigError(f"{origin}: unknown setting {names} (known: {', '.join(sorted(known))})")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        hint = hints[name]
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{origin}: [{prefix}{name}] must be a table")
            kwargs[name] = _build(hint, value, origin=origin, prefix=f"{prefix}{name}.")
        else:
            kwargs[name] = _check_type(value, hint, f"{origin}: {prefix}{name}")
    return cls(**kwargs)


def _check_type(value: Any, hint: Any, where: str) -> Any:
    if hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif hint is str:
        if isinstance(value, str):
            return value
    elif typing.get_origin(hint) is dict:
        if isinstance(value, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return dict(value)
    else:  # pragma: no cover - a new field type needs a rule here
        raise TypeError(f"no rule for {hint!r}")
    expected = _type_name(hint)
    raise ConfigError(f"{where}: expected {expected}, got {value!r}")


def _type_name(hint: Any) -> str:
    if isinstance(hint, types.GenericAlias):
        return "a table of strings"
    return {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}[hint]


def _parse_env(raw: str, hint: Any, where: str) -> Any:
    try:
        if hint is bool:
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError
        if hint is int:
            return int(raw)
        if hint is float:
            return float(raw)
        if hint is str:
            return raw
        # host_map and other tables: "host=addr:port,host2=addr:port"
        table: dict[str, str] = {}
        for pair in filter(str.strip, raw.split(",")):
            key, sep, value = pair.partition("=")
            if not sep:
                raise ValueError(pair)
            table[key.strip()] = value.strip()
        return table
    except ValueError:
        raise ConfigError(f"{where}: expected {_type_name(hint)}, got {raw!r}") from None


def env_names() -> dict[str, str]:
    """Environment variable -> dotted setting name, for every setting."""
    names: dict[str, str] = {}
    hints = typing.get_type_hints(Config)
    for f in dataclasses.fields(Config):
        section = hints[f.name]
        if dataclasses.is_dataclass(section):  # [check], [schedule], [alerts], [smtp]
            for g in dataclasses.fields(section):
                names[f"{ENV_PREFIX}{f.name.upper()}_{g.name.upper()}"] = f"{f.name}.{g.name}"
        else:
            names[f"{ENV_PREFIX}{f.name.upper()}"] = f.name
    return names


def _apply_env(config: Config, env: Mapping[str, str]) -> Config:
    known = env_names()
    for var, value in env.items():
        if not var.startswith(ENV_PREFIX) or var.startswith(f"{ENV_PREFIX}TEST_"):
            continue
        if var in {
            f"{ENV_PREFIX}REQUIRE_PG",
            f"{ENV_PREFIX}REQUIRE_BROWSER",
            f"{ENV_PREFIX}SMTP_PASSWORD",
        }:
            continue  # read elsewhere: the test suite's switch, a secret
        if var not in known:
            raise ConfigError(f"environment variable {var}: unknown setting")
        dotted = known[var]
        hint = _hint_for(dotted)
        config = _replace_dotted(config, dotted, _parse_env(value, hint, var), origin=var)
    return config


def _hint_for(dotted: str) -> Any:
    cls: Any = Config
    *parents, last = dotted.split(".")
    for part in parents:
        cls = typing.get_type_hints(cls)[part]
    return typing.get_type_hints(cls)[last]


def _replace_dotted(config: Config, dotted: str, value: Any, *, origin: str) -> Config:
    hint = _hint_for(dotted)
    value = _check_type(value, hint, f"{origin}: {dotted}")
    if "." in dotted:
        section, key = dotted.split(".", 1)
        inner = dataclasses.replace(getattr(config, section), **{key: value})
        return dataclasses.replace(config, **{section: inner})
    return dataclasses.replace(config, **{dotted: value})
