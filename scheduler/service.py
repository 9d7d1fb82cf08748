"""``linkwacht schedule``: the service that runs the check every night, and ``--once``.

One path for both: take the database lock, send what the outbox still holds, check the
canaries (if any), run ``linkwacht check`` as a child process, then move the entry states
and queue and send the e-mails (``scheduler.alerts``). The check runs in its own process so
that a crash or a leak in one run cannot take the service down; the service only waits,
refreshes the lock, and reads the database afterwards.

The schedule is an APScheduler 3 ``BlockingScheduler`` with a cron trigger and a persistent
``SQLAlchemyJobStore`` in the same database (table ``apscheduler_jobs``): a run missed while
the service was down still happens when it comes back, once (coalesced), if it is at most
``schedule.misfire_grace_time`` late. ``max_instances=1`` keeps one check per service; the
database lock keeps one check per database, across services and cron jobs.

SIGTERM or SIGINT stop the service: no new run starts, the running check gets
``schedule.stop_grace`` seconds to finish, then SIGTERM (it marks its run aborted), then,
``schedule.kill_after`` seconds later, SIGKILL. A second signal skips the grace.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_STARTED,
    JobExecutionEvent,
    JobSubmissionEvent,
    SchedulerEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from crawler.config import Config, ConfigError
from crawler.store.api import RunInfo, RunState, Store
from crawler.store.db import WRITE_OPTION, StoreError, make_engine
from crawler.store.models import RunRow
from scheduler import alerts
from scheduler.canary import parse_urls, probe
from scheduler.lock import DbLock
from scheduler.mail import PASSWORD_ENV, Mailer, flush_outbox

log = logging.getLogger("linkwacht.scheduler")

JOB_ID = "linkwacht-check"
JOB_FUNC = "scheduler.service:scheduled_check"
JOBS_TABLE = "apscheduler_jobs"
LOCK_NAME = "check"
EXIT_OK, EXIT_BROKEN, EXIT_INCONCLUSIVE = 0, 1, 3  # as `linkwacht check`
EXIT_SKIPPED = 4  # another check holds the lock, or one is still running
EXIT_FAILED = 5  # the check process failed (crashed, killed, configuration error)
POLL = 0.2  # seconds between looks at the child process
OUTPUT_TAIL_LINES = 15

# The service running in this process: the stored job refers to ``scheduled_check`` by name
# (APScheduler pickles jobs), and this is how it finds its way back.
_ACTIVE: ScheduleService | None = None


def scheduled_check() -> None:
    """The job APScheduler stores and runs: one check by the service of this process."""
    service = _ACTIVE
    if service is None:
        log.error("a scheduled check fired but no service is running in this process")
        return
    service.run_once(trigger="schedule")


@dataclass(frozen=True, slots=True)
class RunReport:
    """How one scheduled (or --once) check went, for the log and the exit code."""

    outcome: str  # complete, inconclusive, aborted, skipped, failed
    run_id: int | None
    exit_code: int
    message: str


def log_path(config: Config) -> Path:
    return Path(config.schedule.log_file or Path(config.data_dir) / "linkwacht.log")


def setup_logging(config: Config, *, console_level: int = logging.INFO) -> Path:
    """Log to the rotating file (everything from INFO) and to stderr (``console_level`` and
    up: everything under systemd's journal; warnings only under cron, which mails them)."""
    path = log_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "linkwacht", False):
            root.removeHandler(handler)
            handler.close()
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    to_file = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    to_console = logging.StreamHandler(sys.stderr)
    to_console.setLevel(console_level)
    for handler in (to_file, to_console):
        handler.setFormatter(formatter)
        setattr(handler, "linkwacht", True)  # noqa: B010 - marks our handlers for removal
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl ..." every run
    return path


def make_trigger(config: Config) -> CronTrigger:
    tz = alerts.zone(config)
    try:
        return CronTrigger.from_crontab(config.schedule.cron, timezone=tz)
    except ValueError as exc:
        raise ConfigError(
            f"schedule.cron: {config.schedule.cron!r} is not a crontab expression "
            f"(minute hour day month weekday, e.g. '0 4 * * *'): {exc}"
        ) from None


def _trigger_key(trigger: Any) -> tuple[str, str]:
    return str(trigger), str(getattr(trigger, "timezone", ""))


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    if code == 2:
        return "stopped with a usage or configuration error (exit code 2)"
    return f"exited with code {code}"


class ScheduleService:
    """Runs checks on the configured schedule (``serve``) or once (``run_once``)."""

    def __init__(
        self,
        config: Config,
        *,
        config_path: str | None = None,
        db: str | None = None,
        mailer: Mailer | None = None,
    ) -> None:
        alerts.validate(config)
        self.config = config
        self.config_path = config_path
        self.db = db
        self.trigger = make_trigger(config)
        self.mailer = mailer or Mailer(config.smtp)
        self.log_file = log_path(config)
        self.output_file = self.log_file.with_name("last-check-output.log")
        cfg = config.schedule
        for name in ("stop_grace", "kill_after", "lock_ttl", "canary_timeout"):
            if getattr(cfg, name) <= 0:
                raise ConfigError(f"schedule.{name}: must be more than 0")
        if cfg.misfire_grace_time < 1:
            raise ConfigError("schedule.misfire_grace_time: must be at least 1 second")
        self._stop_at: float | None = None  # monotonic time of the stop request
        self._idle = threading.Event()
        self._idle.set()
        self._busy = threading.Lock()
        self._scheduler: BaseScheduler | None = None

    # -- the command --------------------------------------------------------------------

    def check_command(self) -> list[str]:
        """``linkwacht [--config FILE] [--db URL] check``, with this Python by default."""
        cfg = self.config.schedule
        base = shlex.split(cfg.check_command) if cfg.check_command.strip() else []
        command = base or [sys.executable, "-m", "linkwacht.cli"]
        if self.config_path:
            command += ["--config", str(self.config_path)]
        if self.db:
            command += ["--db", self.db]
        return [*command, "check"]

    # -- stopping -----------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self._stop_at is not None

    def request_stop(self, reason: str = "stop requested") -> None:
        """Stop after the running check (within the grace); a second request skips it."""
        if self._stop_at is None:
            self._stop_at = time.monotonic()
            log.info(
                "%s: stopping; a running check gets %.0f s to finish",
                reason,
                self.config.schedule.stop_grace,
            )
        else:
            self._stop_at = float("-inf")
            log.info("%s again: stopping the running check now", reason)
        scheduler = self._scheduler
        if scheduler is not None and scheduler.running:
            # Not from the signal handler itself: shutdown takes the scheduler's locks,
            # which the interrupted main thread may hold.
            threading.Thread(target=self._shutdown, args=(scheduler,), daemon=True).start()

    @staticmethod
    def _shutdown(scheduler: BaseScheduler) -> None:
        try:
            scheduler.shutdown(wait=False)
        except SchedulerNotRunningError:
            pass

    def _install_signals(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            self.request_stop(signal.Signals(signum).name)

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore

    # -- the service --------------------------------------------------------------------

    def build_scheduler(
        self, engine: Engine, scheduler_class: type[BaseScheduler] = BlockingScheduler
    ) -> BaseScheduler:
        # Its transactions read, then write (create the table if missing, drop a job it
        # cannot load): on SQLite they must take the write lock up front, or they fail at
        # once when the check writes in between. They are tiny, so waiting costs nothing.
        writer = engine.execution_options(**{WRITE_OPTION: True})
        return scheduler_class(
            jobstores={"default": SQLAlchemyJobStore(engine=writer, tablename=JOBS_TABLE)},
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.config.schedule.misfire_grace_time,
            },
            timezone=self.trigger.timezone,
        )

    def serve(self) -> None:
        """Run until SIGTERM/SIGINT (or ``request_stop``)."""
        global _ACTIVE
        Store.open(self.config.db_url).close()  # migrate first: refuse a bad database now
        engine = make_engine(self.config.db_url)
        scheduler = self.build_scheduler(engine)
        scheduler.add_listener(self._on_started, EVENT_SCHEDULER_STARTED)
        scheduler.add_listener(
            self._on_job_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR
        )
        self._scheduler = scheduler
        _ACTIVE = self
        restore = self._install_signals()
        log.info(
            "linkwacht scheduler started (pid %d): cron %r, time zone %s",
            os.getpid(),
            self.config.schedule.cron,
            self.config.schedule.timezone,
        )
        try:
            if not self.stopping:
                scheduler.start()  # returns once shut down
            cfg = self.config.schedule
            if not self._idle.wait(cfg.stop_grace + cfg.kill_after + 60):
                log.error("the running check did not end; leaving it to the service manager")
        finally:
            restore()
            _ACTIVE = None
            self._scheduler = None
            if scheduler.running:
                scheduler.shutdown(wait=False)
            engine.dispose()
        log.info("linkwacht scheduler stopped")

    def _on_started(self, _event: SchedulerEvent) -> None:
        """Install the job, or keep the stored one (and its missed run) if unchanged."""
        scheduler = self._scheduler
        assert scheduler is not None
        grace = self.config.schedule.misfire_grace_time
        settings: dict[str, Any] = {
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": grace,
        }
        job = scheduler.get_job(JOB_ID)
        if (
            job is None
            or job.func_ref != JOB_FUNC
            or _trigger_key(job.trigger) != _trigger_key(self.trigger)
        ):
            job = scheduler.add_job(
                scheduled_check,
                self.trigger,
                id=JOB_ID,
                name="linkwacht check",
                replace_existing=True,
                **settings,
            )
            log.info("check scheduled (%s); next run at %s", self.trigger, job.next_run_time)
            return
        job = scheduler.modify_job(JOB_ID, **settings)
        due = job.next_run_time
        if due is not None and due <= datetime.now(UTC):
            log.info(
                "a run due at %s was missed while the service was down: it runs now, once, "
                "if it is at most %d s late",
                due,
                grace,
            )
        else:
            log.info("next run at %s", due)

    def _on_job_event(self, event: SchedulerEvent) -> None:
        if event.code == EVENT_JOB_MISSED and isinstance(event, JobExecutionEvent):
            log.warning(
                "the run due at %s was skipped: more than %d s late (schedule."
                "misfire_grace_time); the next one runs as scheduled",
                event.scheduled_run_time,
                self.config.schedule.misfire_grace_time,
            )
        elif event.code == EVENT_JOB_MAX_INSTANCES and isinstance(event, JobSubmissionEvent):
            log.warning("a scheduled run was skipped: the previous check is still running")
        elif event.code == EVENT_JOB_ERROR and isinstance(event, JobExecutionEvent):
            log.error("the scheduled job failed: %r", event.exception)

    # -- one check ------------------------------------------------------------------------

    def run_once(self, trigger: str = "once") -> RunReport:
        """One check through the whole path; never raises (the service must survive)."""
        if not self._busy.acquire(blocking=False):
            message = "skipped: a check of this service is still running"
            log.warning(message)
            return RunReport("skipped", None, EXIT_SKIPPED, message)
        self._idle.clear()
        try:
            return self._run_once(trigger)
        except Exception as exc:
            log.exception("the %s check failed", trigger)
            return RunReport("failed", None, EXIT_FAILED, f"failed: {exc}")
        finally:
            self._idle.set()
            self._busy.release()

    def run_once_with_signals(self) -> RunReport:
        """``linkwacht schedule --once``: SIGTERM/SIGINT stop the check as in the service."""
        restore = self._install_signals()
        try:
            return self.run_once("once")
        finally:
            restore()

    def _run_once(self, trigger: str) -> RunReport:
        if self.stopping:
            return RunReport("skipped", None, EXIT_SKIPPED, "skipped: the service is stopping")
        log.info("%s check: starting", trigger)
        store = Store.open(self.config.db_url)
        try:
            lock = DbLock(store.engine, LOCK_NAME, ttl=self.config.schedule.lock_ttl)
            if not lock.acquire():
                holder = lock.holder()
                who = (
                    f"{holder.owner} since {holder.acquired_at:%Y-%m-%d %H:%M}Z" if holder else "?"
                )
                message = f"skipped: another check holds the lock ({who})"
                log.warning(message)
                return RunReport("skipped", None, EXIT_SKIPPED, message)
            try:
                self._flush(store)  # what earlier runs could not send
                busy = self._run_in_progress(store)
                if busy is not None:
                    message = (
                        f"skipped: run {busy.id} (pid {busy.pid} on {busy.host}) is still "
                        "running, probably started by hand"
                    )
                    log.warning(message)
                    return RunReport("skipped", None, EXIT_SKIPPED, message)
                report = self._canaries(store) or self._run_check(store, lock)
                try:
                    alerts.process_runs(store, self.config, self.mailer)
                except (StoreError, SQLAlchemyError, OSError):
                    log.exception("the entry states and alerts could not be updated")
                if not self.stopping:  # sending may take a while; the outbox keeps it
                    self._flush(store)
                self._log_end(store, report)
                return report
            finally:
                try:
                    lock.release()
                except SQLAlchemyError:
                    log.exception("could not release the lock; it lapses by itself")
        finally:
            store.close()

    def _flush(self, store: Store) -> None:
        if not self.mailer.enabled:
            return
        try:
            flush_outbox(store.engine, self.mailer)
        except SQLAlchemyError:
            log.exception("the outbox could not be read")

    def _run_in_progress(self, store: Store) -> RunInfo | None:
        """A run another process (``linkwacht check`` by hand, an orphaned check) is still
        doing: same host and alive, or another host with a recent heartbeat."""
        here = socket.gethostname()
        now = datetime.now(UTC)
        for run in store.latest_runs(10):
            if run.state is not RunState.RUNNING:
                continue
            if run.host == here and run.pid is not None:
                if _pid_alive(run.pid):
                    return run
            elif now - (run.heartbeat_at or run.started_at) < store.stale_after:
                return run
        return None

    def _canaries(self, store: Store) -> RunReport | None:
        """None if there are no canaries or one answered; else the inconclusive run."""
        urls = parse_urls(self.config.schedule.canary_urls)
        if not urls:
            return None
        found = probe(
            urls,
            timeout=self.config.schedule.canary_timeout,
            user_agent=self.config.check.user_agent,
            proxy=self.config.check.proxy,
        )
        if found.up:
            log.info("canary answered: %s", found.details[-1])
            return None
        message = (
            "Inconclusive: none of the canary URLs answered, so the check was not started "
            "(the internet is probably unreachable from this machine): " + "; ".join(found.details)
        )
        run_id = store.start_run(self.config.register)
        store.finish_run(run_id, RunState.INCONCLUSIVE, message)
        log.warning("run %d: %s", run_id, message)
        return RunReport("inconclusive", run_id, EXIT_INCONCLUSIVE, message)

    def _run_check(self, store: Store, lock: DbLock) -> RunReport:
        before = _max_run_id(store)
        command = self.check_command()
        env = {k: v for k, v in os.environ.items() if k != PASSWORD_ENV}  # it needs no secret
        self.output_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.output_file.open("wb") as output:
                child = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,  # a Ctrl-C reaches the service, which decides
                )
        except OSError as exc:  # e.g. schedule.check_command names a missing program
            return self._failed(store, None, f"the check command could not be started: {exc}")
        log.info("check process %d started: %s", child.pid, shlex.join(command))
        code = self._wait(child, lock)
        run = _run_by_pid(store, child.pid, before)
        if code in (EXIT_OK, EXIT_BROKEN, EXIT_INCONCLUSIVE) and run is not None:
            if run.state in (RunState.COMPLETE, RunState.INCONCLUSIVE):
                return RunReport(run.state.value, run.id, code, run.message or "")
            if run.state is RunState.ABORTED:
                return RunReport("aborted", run.id, EXIT_FAILED, run.message or "aborted")
        what = f"the check process {_describe_exit(code)} without finishing its run"
        return self._failed(store, run, what, self._output_tail())

    def _failed(self, store: Store, run: RunInfo | None, what: str, tail: str = "") -> RunReport:
        """The check died (or never started): close its run as aborted, saying why, and
        tell the administrators, unless the service itself was stopping it."""
        stopped = self.stopping
        if stopped:
            what += " (the service was asked to stop)"
        run_id = run.id if run is not None else store.start_run(self.config.register)
        current = store.get_run(run_id)
        if current is not None and current.state is RunState.RUNNING:
            store.abort_run(run_id, f"aborted: {what}")
        log.error("run %d: %s%s", run_id, what, f"; its last output:\n{tail}" if tail else "")
        if stopped:
            return RunReport("aborted", run_id, EXIT_FAILED, what)
        detail = what + (f"\n\n{tail}" if tail else "")
        try:
            alerts.notify_failure(
                store, self.config, self.mailer, detail, log_file=str(self.log_file)
            )
        except SQLAlchemyError:
            log.exception("could not queue the failure notice")
        return RunReport("failed", run_id, EXIT_FAILED, what)

    def _wait(self, child: subprocess.Popen[bytes], lock: DbLock) -> int:
        """Wait for the child, keeping the lock fresh and enforcing the stop grace."""
        cfg = self.config.schedule
        refreshed = time.monotonic()
        terminated_at: float | None = None
        killed = False
        while True:
            try:
                return child.wait(timeout=POLL)
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if now - refreshed >= cfg.lock_ttl / 3:
                refreshed = now
                try:
                    if not lock.refresh():
                        log.error("the check lock was lost (taken over after expiring)")
                except SQLAlchemyError:
                    log.exception("could not refresh the check lock")
            stop_at = self._stop_at
            if stop_at is None:
                continue
            if terminated_at is None and now >= stop_at + cfg.stop_grace:
                log.warning(
                    "the check did not finish within the stop grace: sending it SIGTERM "
                    "(its run is marked aborted)"
                )
                child.send_signal(signal.SIGTERM)
                terminated_at = now
            elif terminated_at is not None and not killed and now >= terminated_at + cfg.kill_after:
                log.error("the check ignored SIGTERM for %.0f s: killing it", cfg.kill_after)
                child.kill()
                killed = True

    def _output_tail(self) -> str:
        try:
            lines = self.output_file.read_text("utf-8", "replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-OUTPUT_TAIL_LINES:])

    def _log_end(self, store: Store, report: RunReport) -> None:
        run = store.get_run(report.run_id) if report.run_id is not None else None
        if run is None:
            log.info("check ended: %s %s", report.outcome, report.message)
            return
        counts = ", ".join(f"{k} {v}" for k, v in sorted(run.counts.items()) if v)
        took = (run.finished_at - run.started_at) if run.finished_at else timedelta(0)
        log.info(
            "check ended: run %d %s in %s; %s",
            run.id,
            run.state.value,
            str(took).split(".")[0],
            counts or "no results",
        )
        if run.message:
            log.info("run %d: %s", run.id, run.message)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _max_run_id(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.max(RunRow.id))) or 0)


def _run_by_pid(store: Store, pid: int, after: int) -> RunInfo | None:
    """The run the child started: this host, its pid, newer than before it started."""
    with store.engine.connect() as conn:
        run_id = conn.scalar(
            select(RunRow.id)
            .where(RunRow.id > after, RunRow.pid == pid, RunRow.host == socket.gethostname())
            .order_by(RunRow.id.desc())
            .limit(1)
        )
    return store.get_run(run_id) if run_id is not None else None


def send_test_mail(config: Config) -> str:
    """``linkwacht schedule --test-mail``: one message now, to everyone configured."""
    mailer = Mailer(config.smtp)
    if not mailer.enabled:
        raise ConfigError("smtp.host is not set: e-mail is off")
    msg = alerts.trial_message(config, mailer)
    mailer.send_now(msg)
    return str(msg["To"])
