"""The report commands, attached to ``linkwacht`` in linkwacht/cli.py:

    linkwacht report [RUN_ID] [--lang L] [--out DIR] [--all]
    linkwacht serve [--host 127.0.0.1] [--port 8080] [--lang L]
    linkwacht export fixes [--format csv|xlsx] [--run RUN_ID] [--output FILE] [--lang L]
    linkwacht register apply FIXES [--register FILE] [--output FILE] [--sheet NAME]

They take the configuration and the store from ``linkwacht``'s context object (duck-typed:
importing linkwacht.cli from here would be circular).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import click

from crawler.config import Config
from crawler.store.api import RunState, Store
from crawler.usage import fail
from crawler.usage import user_errors as usage_errors
from reports.data import ReportError, runs_oldest_first
from reports.i18n import LANGS, UnknownLanguage, check_lang

EXIT_REFUSED = 1


class CliContext(Protocol):
    """What linkwacht.cli's context object offers."""

    def config(self, **overrides: Any) -> Config: ...

    def store(self, config: Config) -> Store: ...


@contextmanager
def user_errors() -> Iterator[None]:
    """A bad setting, file, run id or database ends in one clear line and exit code 2."""
    from reports.fixes import FixError

    with usage_errors(ReportError, UnknownLanguage, FixError):
        yield


def _lang(config: Config, lang: str | None) -> str:
    return check_lang(lang or config.lang)


LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(LANGS),
    help="Language of the report: nl, fr or en (default: `lang` in the configuration).",
)


# -- report ----------------------------------------------------------------------------------


@click.command("report")
@click.argument("run_id", type=int, required=False)
@LANG_OPTION
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Output directory (default: `out` in the configuration, out/).",
)
@click.option("--all", "all_runs", is_flag=True, help="Re-render the report of every run.")
@click.pass_obj
def report_cmd(
    obj: CliContext, run_id: int | None, lang: str | None, out_dir: str | None, all_runs: bool
) -> None:
    """Write the HTML report of RUN_ID (default: the newest run) from the database.

    The report goes to OUT/reports/run-NNNN.html; the archive's index (OUT/reports/index.html,
    every run with the trend) is refreshed, and OUT/report.html is the newest run's report."""
    from reports.archive import write_run_report

    with user_errors():
        config = obj.config(out=out_dir)
        language = _lang(config, lang)
        store = obj.store(config)
        runs = runs_oldest_first(store)
        if not runs:
            fail("no run yet: run `linkwacht check` first")
        if all_runs:
            ids = [r.id for r in runs]
        elif run_id is not None:
            ids = [run_id]
        else:
            ids = [runs[-1].id]
        for rid in ids:
            path = write_run_report(store, rid, config.out, language)
            click.echo(f"run {rid}: {path}")
    latest = Path(config.out) / "report.html"
    if latest.exists():
        click.echo(f"latest: {latest}")


# -- serve -----------------------------------------------------------------------------------


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback lets others read the reports.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@LANG_OPTION
@click.pass_obj
def serve_cmd(obj: CliContext, host: str, port: int, lang: str | None) -> None:
    """Serve the reports read-only over HTTP: / (every run and the trend), /runs/ID (a run's
    report), /entries/ID (an entry's history). Add ?lang=nl|fr|en to any page."""
    from reports.serve import serve

    with user_errors():
        config = obj.config()
        language = _lang(config, lang)
        store = obj.store(config)
    try:
        serve(store, host=host, port=port, lang=language, print_fn=click.echo)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    finally:
        store.close()


# -- fix list ----------------------------------------------------------------------------------


@click.group("export")
def export() -> None:
    """Export lists to act on."""


@export.command("fixes")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    help="csv or xlsx (default: from --output's extension, else csv).",
)
@click.option("--run", "run_id", type=int, help="Run to take (default: the newest finished run).")
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    help="File to write (default: OUT/fixes.csv or OUT/fixes.xlsx).",
)
@LANG_OPTION
@click.pass_obj
def export_fixes(
    obj: CliContext, fmt: str | None, run_id: int | None, output: str | None, lang: str | None
) -> None:
    """Write the entries that need action: id, title, current_url, suggested_url (the target of
    a permanent redirect), verdict, reason and advice. Edit it if you like, then apply it with
    `linkwacht register apply`."""
    from reports.fixes import default_run, fixes_for_run, format_for, write_fixes

    with user_errors():
        config = obj.config()
        language = _lang(config, lang)
        chosen = format_for(output, fmt)
        store = obj.store(config)
        run = store.get_run(run_id) if run_id is not None else default_run(store)
        if run is None:
            fail(f"run {run_id} does not exist")
        fixes = fixes_for_run(store, run.id, language)
        path = Path(output) if output else Path(config.out) / f"fixes.{chosen}"
        write_fixes(fixes, path, chosen)
    moves = sum(1 for f in fixes if f.suggested_url)
    note = "" if run.state == RunState.COMPLETE else f" (run {run.id} is {run.state})"
    click.echo(
        f"{path}: {len(fixes)} entries need action in run {run.id}{note}, "
        f"{moves} with a suggested URL"
    )


# -- register apply --------------------------------------------------------------------------------


@click.command("apply")
@click.argument("fixes", type=click.Path(dir_okay=False))
@click.option(
    "--register",
    "register_path",
    type=click.Path(dir_okay=False),
    help="Register file to update (default: `register` in the configuration).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    help="File to write (default: the register's name with -fixed added).",
)
@click.option("--sheet", help="Worksheet of an .xlsx register (default: the first).")
@click.pass_obj
def apply_cmd(
    obj: CliContext,
    fixes: str,
    register_path: str | None,
    output: str | None,
    sheet: str | None,
) -> None:
    """Write an updated register with the suggested URLs of FIXES (a fix list from `linkwacht
    export fixes`, .csv or .xlsx) applied.

    Only the URL cell of the rows the list names changes, and only when the register still
    holds the URL the list was made for; other rows, extra columns and the row order stay as
    they are. A row with an empty suggested_url changes nothing. Exit code 1 when a fix was
    refused (each is named), 2 when a file cannot be used."""
    from reports.fixes import apply_fixes

    with user_errors():
        config = obj.config(register=register_path)
        register = Path(config.register)
        report = apply_fixes(register, Path(fixes), Path(output) if output else None, sheet=sheet)
    for line in report.lines():
        click.echo(line, err=line.startswith("refused"))
    click.echo(report.summary())
    if report.refused:
        sys.exit(EXIT_REFUSED)
