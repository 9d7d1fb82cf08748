"""The ``linkwacht`` command line: a thin layer over crawler/, reports/ and scheduler/.

Exit codes: 0 all fine, 1 a link is broken (or invalid), 2 usage or configuration error,
3 the run was inconclusive (the network itself was down).
"""

from __future__ import annotations

import atexit
import importlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crawler.config import Config, load_config, validate_for_check
from crawler.gc_tuning import relax_for_start_up
from crawler.register import load_register
from crawler.usage import fail, user_errors

if TYPE_CHECKING:
    from crawler.store.api import Store


class Context:
    def __init__(self, config_path: str | None, db: str | None) -> None:
        self.config_path = config_path
        self.db = db

    def config(self, **overrides: Any) -> Config:
        return load_config(self.config_path, overrides={"db": self.db, **overrides})

    def store(self, config: Config) -> Store:
        from crawler.store.api import Store  # SQLAlchemy: imported by the commands that use it

        store = Store.open(config.db_url)
        # Closed when the command ends, however it ends: its connections are released
        # (and SQLite's write-ahead log folded back) before the process goes.
        click.get_current_context().call_on_close(store.close)
        return store


class LazyGroup(click.Group):
    """A group some of whose commands live elsewhere (``name -> "module:attribute"``) and are
    imported only when used or listed: the reports' commands bring Babel and Jinja2, which
    a check would otherwise load before its first request."""

    def __init__(self, *args: Any, lazy: Mapping[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    lazy={
        "report": "reports.cli:report_cmd",  # reports, fix list, serve
        "serve": "reports.cli:serve_cmd",
        "export": "reports.cli:export",
        "schedule": "scheduler.cli:schedule",  # schedule, ack
        "ack": "scheduler.cli:ack",
    },
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="TOML configuration file (default: ./linkwacht.toml if present).",
)
@click.option("--db", help="SQLAlchemy database URL (default: SQLite file in data/).")
@click.version_option(package_name="linkwacht")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, db: str | None) -> None:
    """linkwacht keeps a register of web links true: it checks every URL, keeps the
    history, and tells the maintainers what to fix."""
    ctx.obj = Context(config_path, db)


# -- register ----------------------------------------------------------------------------


@main.group(cls=LazyGroup, lazy={"apply": "reports.cli:apply_cmd"})
def register() -> None:
    """Import and list the register's entries."""


@register.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--strict", is_flag=True, help="Refuse the whole file if any row is bad.")
@click.option("--sheet", help="Worksheet to read from an .xlsx file (default: the first).")
@click.pass_obj
def register_import(obj: Context, file: str, strict: bool, sheet: str | None) -> None:
    """Import FILE (.csv or .xlsx) into the database, updating entries by id.

    New entries are added, changed URLs and titles recorded with the date, entries missing
    from FILE retired (never deleted: their history stays). Bad rows are reported with
    file and line and skipped (with --strict, nothing is imported)."""
    with user_errors():
        config = obj.config()
        loaded = _load(file, strict=strict, sheet=sheet)
        store = obj.store(config)
        report = store.sync_register(loaded.entries, source=Path(file).name)
    for line in report.lines():
        click.echo(line)
    click.echo(f"{len(loaded.entries)} entries in {file}; {report.summary()}")


@register.command("list")
@click.option("--section", help="Only entries of this section.")
@click.option("--category", help="Only entries of this category.")
@click.option("--all", "include_retired", is_flag=True, help="Include retired entries.")
@click.pass_obj
def register_list(
    obj: Context, section: str | None, category: str | None, include_retired: bool
) -> None:
    """List the register's entries as stored (id, section, category, title, URL)."""
    with user_errors():
        store = obj.store(obj.config())
        rows = store.list_entries(
            section=section, category=category, include_retired=include_retired
        )
    for row in rows:
        flag = "  [retired]" if row.retired else ""
        click.echo(f"{row.id:>4}  {row.section} / {row.category}{flag}")
        click.echo(f"      {row.title}")
        click.echo(f"      {row.url}")
    click.echo(f"{len(rows)} entries")


def _sync(store: Store, path: str, *, strict: bool) -> None:
    """Import the register file into the store, as `register import` does; the file's own
    rows are let go of before the check (they are a second copy of the entries)."""
    loaded = _load(path, strict=strict)
    report = store.sync_register(loaded.entries, source=Path(path).name)
    for line in report.lines():
        click.echo(line, err=True)


def _load(path: str, *, strict: bool, sheet: str | None = None) -> Any:
    loaded = load_register(path, strict=strict, sheet=sheet)
    for problem in loaded.problems:
        click.echo(f"skipped: {problem}", err=True)
    return loaded


# -- history -----------------------------------------------------------------------------


@main.command()
@click.argument("entry_id", type=int)
@click.option("--limit", type=int, default=30, show_default=True, help="Runs to show.")
@click.pass_obj
def history(obj: Context, entry_id: int, limit: int) -> None:
    """Show ENTRY_ID's results across runs, newest first."""
    with user_errors():
        store = obj.store(obj.config())
        entry = store.entry(entry_id)
        if entry is None:
            fail(f"no entry with id {entry_id}")
        rows = store.history(entry_id, limit=limit)
    click.echo(f"{entry.id}  {entry.title}\n      {entry.url}")
    if not rows:
        click.echo("no results yet")
    for run, result in rows:
        when = run.started_at.strftime("%Y-%m-%d %H:%M")
        code = result.http_status if result.http_status is not None else "-"
        click.echo(
            f"run {run.id:>4}  {when}  {result.status.value:<10} {code!s:>4}  {result.reason}"
        )
        if result.final_url and result.final_url != result.requested_url:
            click.echo(f"           -> {result.final_url}")


# -- runs --------------------------------------------------------------------------------


@main.command()
@click.option("--limit", type=int, default=20, show_default=True)
@click.pass_obj
def runs(obj: Context, limit: int) -> None:
    """List recent runs with their state and counts."""
    with user_errors():
        store = obj.store(obj.config())
        items = store.latest_runs(limit)
    for run in items:
        counts = ", ".join(f"{k} {v}" for k, v in sorted((run.counts or {}).items()))
        when = run.started_at.strftime("%Y-%m-%d %H:%M")
        click.echo(f"run {run.id:>4}  {when}  {run.state:<12} {counts}")
        if run.message:
            click.echo(f"          {run.message}")


# -- check -------------------------------------------------------------------------------


@main.command()
@click.option(
    "--register",
    "register_path",
    type=click.Path(dir_okay=False),
    help="Register file to check (default: register_seed.csv, or `register` in the config).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Directory for results.json and results.csv (default: out/).",
)
@click.option("--strict", is_flag=True, help="Refuse to run if any register row is bad.")
@click.option(
    "--workers",
    type=int,
    help=(
        "Crawl processes: 1 (the default) crawls in this process; N > 1 starts N, "
        "sharded by host; 0 starts one per CPU core."
    ),
)
@click.option(
    "--host-map",
    "host_map",
    multiple=True,
    metavar="HOST[:PORT]=ADDR:PORT",
    help="Connect to ADDR:PORT for HOST (like curl --connect-to); repeatable.",
)
@click.option(
    "--ca-bundle",
    type=click.Path(dir_okay=False, exists=True),
    help="Extra CA certificates (PEM) to trust besides the system's.",
)
@click.option(
    "--no-report",
    is_flag=True,
    help="Do not write the HTML report now (`linkwacht report` writes it later).",
)
@click.pass_obj
def check(
    obj: Context,
    register_path: str | None,
    out_dir: str | None,
    strict: bool,
    workers: int | None,
    host_map: tuple[str, ...],
    ca_bundle: str | None,
    no_report: bool,
) -> None:
    """Check every active register entry once and record the run.

    Imports the register first (as `register import` does), fetches every URL with one
    GET (politely: robots.txt, one request at a time per host), looks past the status
    code (soft 404s, parked domains, deleted videos, content drift), fetches broken links
    once more to confirm them, judges each answer (ok, redirected, broken, transient,
    blocked, invalid), stores the results and writes results.json, results.csv and the
    HTML report (out/report.html).

    Exit code 0 when nothing is broken, 1 when an entry is broken or invalid, 2 on a
    usage or configuration error, 3 when the run was inconclusive (network down)."""
    from crawler.check import run_check
    from crawler.fetch.pool import start_crawl
    from crawler.gc_tuning import tune_for_a_long_run
    from linkwacht.progress import Progress

    overrides: dict[str, Any] = {"register": register_path, "out": out_dir}
    if workers is not None:
        overrides["check.workers"] = workers
    if ca_bundle:
        overrides["check.ca_bundle"] = ca_bundle
    with user_errors():
        config = obj.config(**overrides)
        if host_map:
            merged = dict(config.check.host_map)
            for item in host_map:
                host, sep, target = item.partition("=")
                if not sep:
                    fail(f"--host-map {item!r}: expected HOST[:PORT]=ADDR:PORT")
                merged[host] = target
            config = load_config(
                obj.config_path, overrides={**overrides, "db": obj.db, "check.host_map": merged}
            )
        validate_for_check(config)
        pool = start_crawl(config)  # workers start while we read the register
        try:
            store = obj.store(config)
            _sync(store, config.register, strict=strict)
        except BaseException:
            pool.close()
            raise
        entries = store.active_entries()
    out = Path(config.out)
    tune_for_a_long_run()
    outcome = run_check(
        config,
        store,
        entries,
        register=config.register,
        out_dir=out,
        progress=Progress(),
        pool=pool,
    )
    counts = ", ".join(f"{k} {v}" for k, v in sorted(outcome.counts.items()))
    click.echo(f"run {outcome.run_id}: {outcome.state}; {counts}")
    if outcome.message:
        click.echo(outcome.message)
    if outcome.state != "aborted":
        click.echo(f"results: {out / 'results.json'}, {out / 'results.csv'}")
    try:
        if not no_report:
            from reports import write_run_report

            click.echo(f"report: {write_run_report(store, outcome.run_id, out, config.lang)}")
    except Exception as exc:  # the run is stored; a report problem must not change the verdict
        click.echo(f"linkwacht: warning: the report could not be written: {exc}", err=True)
    sys.exit(outcome.exit_code)


def run() -> None:
    """The console entry point: ``main``, in a process that ends as soon as it is done.

    The interpreter's own shutdown frees every object one at a time: 0.2 s after a check
    of 2,000 URLs, a sixth of the run's fixed cost (which a polite run pays in wall time).
    By then every command has committed and closed what it opened (see ``Context.store``),
    and the exit handlers (logging's flush among them) still run here."""
    relax_for_start_up()
    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # sys.exit("message"): printed, status 1, as the interpreter would
            print(exc.code, file=sys.stderr)
            code = 1
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)  # a profiler or debugger writes its findings at the normal end
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()  # what Python runs before it exits
    os._exit(code)


if __name__ == "__main__":
    run()
