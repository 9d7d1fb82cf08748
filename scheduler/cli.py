"""The ``schedule`` and ``ack`` commands, attached to ``linkwacht`` by ``linkwacht/cli.py``.

This module is imported whenever ``linkwacht`` starts (also for every ``check``), so the
heavy imports (APScheduler, SQLAlchemy sessions, Jinja2) wait inside the commands. It must
not import ``linkwacht.cli`` either: the check runs as ``python -m linkwacht.cli``, and a
second copy of that module would import this one half-initialised.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Protocol

import click

from crawler.config import Config
from crawler.store.api import Store
from crawler.usage import fail as _fail
from crawler.usage import user_errors


class _Context(Protocol):
    """What ``linkwacht``'s group passes down (``linkwacht.cli.Context``)."""

    config_path: str | None
    db: str | None

    def config(self, **overrides: Any) -> Config: ...

    def store(self, config: Config) -> Store: ...


@contextmanager
def _user_errors() -> Iterator[None]:
    from scheduler.alerts import AckError
    from scheduler.mail import MailError

    with user_errors(AckError, MailError):
        yield


@click.command()
@click.option(
    "--once",
    is_flag=True,
    help="Run one check now through the same path (lock, check, alerts, e-mail) and exit.",
)
@click.option(
    "--test-mail",
    is_flag=True,
    help="Send a test e-mail to the maintainers and administrators now, and exit.",
)
@click.pass_obj
def schedule(obj: _Context, once: bool, test_mail: bool) -> None:
    """Run the check on a schedule and e-mail what changed.

    By default every night at 04:00 Europe/Brussels ([schedule] cron and timezone in the
    configuration). Each run: takes a lock in the database (never two checks at once),
    runs `linkwacht check` as a separate process, moves each entry between healthy,
    suspect and broken, and e-mails one digest to the maintainers when something changed.
    Stop with SIGTERM or Ctrl-C: a running check gets [schedule] stop_grace seconds to
    finish. Logs go to data/linkwacht.log ([schedule] log_file).

    With --once, exit codes are those of `check` (0, 1, 3), 2 for a configuration error,
    4 when skipped because another check is running, 5 when the check process failed."""
    from scheduler.service import ScheduleService, send_test_mail, setup_logging

    with _user_errors():
        config = obj.config()
        if test_mail:
            to = send_test_mail(config)
            click.echo(f"test e-mail sent to {to}")
            return
        service = ScheduleService(config, config_path=obj.config_path, db=obj.db)
    # Under cron only warnings reach stderr (cron mails them); the file gets everything.
    path = setup_logging(config, console_level=logging.WARNING if once else logging.INFO)
    if once:
        report = service.run_once_with_signals()
        if sys.stdout.isatty():
            click.echo(f"{report.outcome}: {report.message or 'done'} (log: {path})")
        sys.exit(report.exit_code)
    with _user_errors():  # e.g. the database is unreachable: systemd restarts us later
        service.serve()


@click.command()
@click.argument("entry_id", type=int, required=False)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last day of the acknowledgement (YYYY-MM-DD); default: until the result changes.",
)
@click.option("--note", help="Why, for the other maintainers (shown in --list).")
@click.option("--list", "show", is_flag=True, help="List the acknowledged entries.")
@click.option("--clear", is_flag=True, help="End the acknowledgement of ENTRY_ID now.")
@click.pass_obj
def ack(
    obj: _Context,
    entry_id: int | None,
    until: datetime | None,
    note: str | None,
    show: bool,
    clear: bool,
) -> None:
    """Acknowledge ENTRY_ID: no more alerts about it for now.

    The entry is muted until the date given with --until, or until its result changes
    (another status, reason or final URL), whichever comes first; then the next e-mail says
    so. `linkwacht ack --list` shows the acknowledged entries, `linkwacht ack --clear
    ENTRY_ID` ends one."""
    from scheduler import alerts

    with _user_errors():
        config = obj.config()
        if show:
            store = obj.store(config)
            items = alerts.list_acks(store)
            for item in items:
                until_text = (
                    f"until {_local_day(config, item.until)}" if item.until else "until it changes"
                )
                click.echo(f"{item.entry_id:>4}  {item.title}")
                click.echo(
                    f"      {item.status} {item.reason}  {until_text}"
                    f"  (by {item.created_by or '?'} on {item.created_at:%Y-%m-%d})"
                )
                if item.note:
                    click.echo(f"      {item.note}")
            click.echo(f"{len(items)} acknowledged")
            return
        if entry_id is None:
            _fail("give an ENTRY_ID (or --list)")
        store = obj.store(config)
        if clear:
            if alerts.clear_ack(store, entry_id):
                click.echo(f"entry {entry_id}: acknowledgement ended; alerts resume")
            else:
                click.echo(f"entry {entry_id} was not acknowledged")
            return
        end = alerts.end_of_day(until.date(), alerts.zone(config)) if until else None
        info = alerts.add_ack(store, entry_id, until=end, note=note)
    until_text = f"until {until:%Y-%m-%d}" if until else "until its result changes"
    click.echo(
        f"entry {entry_id} ({info.title}): {info.status} {info.reason} acknowledged {until_text}"
    )


def _local_day(config: Config, moment: datetime) -> str:
    from datetime import timedelta

    from scheduler.alerts import zone

    # Stored as the first moment after the last day.
    return (moment.astimezone(zone(config)) - timedelta(seconds=1)).strftime("%Y-%m-%d")
