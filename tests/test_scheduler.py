"""The service, driven deterministically: missed runs coalesced into one, overlapping
checks skipped, a crashing check survived and reported, SIGTERM honoured within the grace,
canaries, and the whole path to the maintainers' mailbox.

The check is a stand-in (``schedule.check_command``, see test_scheduler_support) run as a
real child process, so signals, exit codes and crashes are real. No test waits for a clock:
jobs are seeded due (or missed) in APScheduler's job store before the service starts.
"""

from __future__ import annotations

import http.server
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from click.testing import CliRunner
from test_scheduler_support import (
    ENTRIES,
    SMTP_PASSWORD,
    FakeCheck,
    SmtpServer,
    free_port,
    result,
    schedule_toml,
    step,
    write_config,
)

from crawler.config import Config, ConfigError
from crawler.store.api import RunInfo, RunState, Store
from crawler.store.db import WRITE_OPTION, make_engine
from crawler.store.models import Base
from scheduler import alerts, service
from scheduler.lock import DbLock
from scheduler.service import JOB_ID, JOBS_TABLE, RunReport, ScheduleService, scheduled_check

MAINTAINERS = ["an@igvm.example", "bert@igvm.example"]
ADMIN = "admin@igvm.example"
GONE = result(1, "broken", confirmed=True)
BOTH_BACKENDS = pytest.mark.parametrize(
    "setup", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
OK = [result(e.id, "ok") for e in ENTRIES[1:]]


@dataclass
class Setup:
    tmp: Path
    fake: FakeCheck
    smtp: SmtpServer
    config_path: Path
    config: Config
    top: dict[str, str] = field(default_factory=dict)

    def configure(
        self, *, schedule: dict[str, str | float | int] | None = None, **top: str
    ) -> None:
        self.config_path, self.config = write_config(
            self.tmp,
            schedule_toml(self.fake, **(schedule or {})),
            self.smtp.smtp_toml(),
            **{**self.top, **top},
        )

    def service(self) -> ScheduleService:
        return ScheduleService(self.config, config_path=str(self.config_path))

    def store(self) -> Store:
        return Store.open(self.config.db_url)

    def runs(self) -> list[RunInfo]:
        with self.store() as store:
            return list(reversed(store.latest_runs(50)))

    def log_text(self) -> str:
        path = service.log_path(self.config)
        return path.read_text() if path.exists() else ""


@pytest.fixture
def setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Setup]:
    """SQLite by default; ``BOTH_BACKENDS`` runs a test on PostgreSQL too."""
    monkeypatch.setenv("LINKWACHT_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setattr(alerts, "_report", lambda *args: None)  # reports/ is not under test
    fake = FakeCheck(tmp_path)
    smtp = SmtpServer(tmp_path).start()
    made = Setup(tmp_path, fake, smtp, tmp_path, Config())
    if getattr(request, "param", "sqlite") == "postgres":
        made.top = {"db": str(request.getfixturevalue("pg_url"))}
    made.configure()
    with made.store() as store:
        store.sync_register(ENTRIES, source="register.csv")
    try:
        yield made
    finally:
        smtp.stop()


# -- the path of one check ---------------------------------------------------------------


def test_the_check_command_passes_config_and_database_through(setup: Setup) -> None:
    setup.configure(schedule={"check_command": ""})
    plain = ScheduleService(setup.config, config_path="/etc/linkwacht.toml", db="sqlite:///x.db")
    assert plain.check_command() == [
        sys.executable, "-m", "linkwacht.cli",
        "--config", "/etc/linkwacht.toml", "--db", "sqlite:///x.db", "check",
    ]  # fmt: skip
    setup.configure(schedule={"check_command": "/srv/linkwacht/.venv/bin/linkwacht"})
    assert setup.service().check_command()[0] == "/srv/linkwacht/.venv/bin/linkwacht"


@BOTH_BACKENDS
def test_two_nights_lead_to_one_digest_and_the_runs_say_so(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    svc = setup.service()
    setup.fake.set_plan([step(GONE, *OK, exit=1)])

    first = svc.run_once()
    second = svc.run_once()

    assert (first.outcome, first.exit_code, second.exit_code) == ("complete", 1, 1)
    (mail,) = setup.smtp.wait_for(1)
    assert mail.rcpt_tos == MAINTAINERS and "Newly broken" in mail.subject
    log = caplog.text
    assert f"check ended: run {second.run_id} complete" in log and "broken 1, ok 2" in log
    from linkwacht.cli import main

    runs = CliRunner().invoke(main, ["--config", str(setup.config_path), "runs"])
    assert "alerts: nothing changed" in runs.output
    assert "alerts: newly broken 1 (queued for e-mail)" in runs.output


# -- never two checks at once --------------------------------------------------------------


def test_a_check_is_skipped_while_another_scheduler_holds_the_lock(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    with setup.store() as store:
        other = DbLock(store.engine, "check", ttl=600, owner="otherhost:4242:x")
        assert other.acquire()

        report = setup.service().run_once()

    assert (report.outcome, report.exit_code) == ("skipped", service.EXIT_SKIPPED)
    assert "another check holds the lock (otherhost:4242:x since" in caplog.text
    assert setup.fake.calls() == []


def test_a_check_is_skipped_while_a_run_by_hand_is_going(setup: Setup) -> None:
    with setup.store() as store:
        by_hand = store.start_run("register.csv")  # this test process: alive, same host

    report = setup.service().run_once()

    assert report.exit_code == service.EXIT_SKIPPED
    assert f"run {by_hand} (pid {os.getpid()}" in report.message
    assert setup.fake.calls() == []


def test_a_trigger_while_the_check_still_runs_is_skipped(setup: Setup) -> None:
    # max_instances=1 inside one service: a second trigger does not start a second check.
    setup.fake.set_plan([step(*OK, sleep=1.0)])
    svc = setup.service()
    thread, reports = run_in_thread(svc)
    setup.fake.wait_for("started")

    second = svc.run_once()
    thread.join(timeout=15)

    assert (second.outcome, second.exit_code) == ("skipped", service.EXIT_SKIPPED)
    assert "still running" in second.message
    assert reports[0].outcome == "complete"
    assert setup.fake.calls().count("invoked") == 1


@BOTH_BACKENDS
def test_overlapping_once_processes_run_one_check(setup: Setup) -> None:
    # Cron's `schedule --once` next to the service (or two crons): the second one skips.
    setup.fake.set_plan([step(*OK, sleep=2.0)])
    command = [sys.executable, "-m", "linkwacht.cli", "--config", str(setup.config_path),
               "schedule", "--once"]  # fmt: skip
    procs = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = sorted((p.wait(timeout=30), p.stderr.read() if p.stderr else "") for p in procs)

    assert [code for code, _ in outcomes] == [0, service.EXIT_SKIPPED]
    assert "skipped: another check holds the lock" in outcomes[1][1]
    assert setup.fake.calls().count("invoked") == 1


def test_the_service_installs_a_job_with_one_instance_coalesced(setup: Setup) -> None:
    svc, thread = serve_in_thread(setup)
    wait_until(lambda: stored_job(setup) is not None)
    svc.request_stop("test")
    thread.join(timeout=10)

    job = stored_job(setup)
    assert job is not None and job.func_ref == "scheduler.service:scheduled_check"
    assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 21600)
    assert str(job.trigger) == str(svc.trigger)


# -- a crashing check ----------------------------------------------------------------------


@BOTH_BACKENDS
def test_a_crashing_check_is_survived_logged_and_reported_once(setup: Setup) -> None:
    svc = setup.service()
    setup.fake.set_plan([step(*OK, crash=True)])

    crashed = svc.run_once()
    again = svc.run_once()

    assert (crashed.outcome, crashed.exit_code) == ("failed", service.EXIT_FAILED)
    assert again.outcome == "failed"
    runs = setup.runs()
    assert [r.state for r in runs] == [RunState.ABORTED, RunState.ABORTED]
    assert runs[0].message == (
        "aborted: the check process was killed by SIGKILL without finishing its run"
    )
    (notice,) = setup.smtp.wait_for(1)  # once, not once per crash
    assert notice.rcpt_tos == [ADMIN]
    assert notice.subject == "linkwacht: the scheduled check failed"
    assert "Fatal Python error: simulated crash" in notice.part("plain")

    setup.fake.set_plan([step(*OK)])
    assert svc.run_once().outcome == "complete"
    setup.fake.set_plan([step(*OK, crash=True)])
    svc.run_once()
    assert len(setup.smtp.wait_for(2)) == 2  # a new failure after a good run: told again


def test_a_check_that_cannot_start_is_recorded_as_a_run(setup: Setup) -> None:
    setup.fake.set_plan([{"exit_early": 2}])

    report = setup.service().run_once()

    assert report.exit_code == service.EXIT_FAILED
    (run,) = setup.runs()
    assert run.state is RunState.ABORTED
    assert run.message is not None and "usage or configuration error (exit code 2)" in run.message
    (notice,) = setup.smtp.wait_for(1)
    assert "register.csv: file not found" in notice.part("plain")


# -- stopping ------------------------------------------------------------------------------


def run_in_thread(svc: ScheduleService) -> tuple[threading.Thread, list[RunReport]]:
    reports: list[RunReport] = []
    thread = threading.Thread(target=lambda: reports.append(svc.run_once()))
    thread.start()
    return thread, reports


@pytest.mark.parametrize(
    ("plan", "grace", "outcome", "state", "calls"),
    [
        # finishes within the grace: the run counts
        ({"sleep": 0.6}, 5.0, "complete", RunState.COMPLETE, ["invoked", "started", "done"]),
        # too slow: SIGTERM, and the check marks its own run aborted
        ({"sleep": 30}, 0.2, "aborted", RunState.ABORTED, ["invoked", "started", "terminated"]),
        # deaf to SIGTERM: SIGKILL after kill_after; the service marks the run aborted
        ({"sleep": 30, "ignore_term": True}, 0.2, "aborted", RunState.ABORTED,
         ["invoked", "started", "ignored-sigterm"]),
    ],
    ids=["finishes", "terminated", "killed"],
)  # fmt: skip
def test_a_stop_request_gives_the_running_check_its_grace(
    setup: Setup,
    plan: dict[str, object],
    grace: float,
    outcome: str,
    state: RunState,
    calls: list[str],
) -> None:
    setup.configure(schedule={"stop_grace": grace, "kill_after": 0.5})
    setup.fake.set_plan([step(*OK, **plan)])
    svc = setup.service()
    thread, reports = run_in_thread(svc)
    setup.fake.wait_for("started")

    asked = time.monotonic()
    svc.request_stop("test")
    thread.join(timeout=15)

    assert time.monotonic() - asked < grace + 3
    assert reports[0].outcome == outcome
    assert setup.fake.calls() == calls
    (run,) = setup.runs()
    assert run.state is state
    if "ignored-sigterm" in calls:
        assert run.message is not None and "killed by SIGKILL" in run.message
        assert "asked to stop" in run.message
    assert setup.smtp.received == []  # a stop is not a failure to report


# -- the service and APScheduler -----------------------------------------------------------


@contextmanager
def job_store(setup: Setup) -> Iterator[SQLAlchemyJobStore]:
    """APScheduler's job store in the test database, without a running scheduler (one
    that is started, even paused, processes due jobs once when it shuts down)."""
    Store.open(setup.config.db_url).close()
    engine = make_engine(setup.config.db_url)
    store = SQLAlchemyJobStore(
        engine=engine.execution_options(**{WRITE_OPTION: True}), tablename=JOBS_TABLE
    )
    store.start(BlockingScheduler(timezone=UTC), "default")
    try:
        yield store
    finally:
        engine.dispose()


def seed_job(setup: Setup, next_run_time: datetime) -> None:
    """Put the job in the store as if the service had been down since ``next_run_time``."""
    svc = setup.service()
    with job_store(setup) as store:
        job = Job(
            store._scheduler,
            id=JOB_ID,
            func=scheduled_check,
            trigger=svc.trigger,
            executor="default",
            args=(),
            kwargs={},
            name="linkwacht check",
            misfire_grace_time=setup.config.schedule.misfire_grace_time,
            coalesce=True,
            max_instances=1,
            next_run_time=next_run_time,
        )
        store.remove_all_jobs()
        store.add_job(job)


def stored_job(setup: Setup) -> Job | None:
    with job_store(setup) as store:
        return store.lookup_job(JOB_ID)


def daily_at(moment: datetime) -> str:
    return f"{moment.minute} {moment.hour} * * *"


def serve_in_thread(setup: Setup) -> tuple[ScheduleService, threading.Thread]:
    svc = setup.service()
    thread = threading.Thread(target=svc.serve, daemon=True)
    thread.start()
    return svc, thread


def wait_until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def stored_next_run(setup: Setup) -> datetime | None:
    job = stored_job(setup)
    return None if job is None else job.next_run_time


@BOTH_BACKENDS
def test_runs_missed_while_the_service_was_down_run_once(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    # A daily run, twelve hours from now; the service was down for the last three of them.
    later = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=12)
    setup.configure(schedule={"cron": daily_at(later), "timezone": "UTC",
                              "misfire_grace_time": 2 * 86400})  # fmt: skip
    seed_job(setup, later - timedelta(days=4))
    setup.fake.set_plan([step(*OK)])

    svc, thread = serve_in_thread(setup)
    setup.fake.wait_for("done")
    wait_until(lambda: "check ended" in caplog.text)
    svc.request_stop("test")
    thread.join(timeout=10)

    assert not thread.is_alive()
    assert setup.fake.calls().count("invoked") == 1  # three missed runs, coalesced into one
    assert "was missed while the service was down" in caplog.text
    assert stored_next_run(setup) == later


def test_a_run_missed_by_more_than_the_grace_is_skipped(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    later = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=12)
    setup.configure(schedule={"cron": daily_at(later), "timezone": "UTC",
                              "misfire_grace_time": 3600})  # fmt: skip
    seed_job(setup, later - timedelta(days=1))  # due twelve hours ago

    svc, thread = serve_in_thread(setup)
    wait_until(lambda: "more than 3600 s late" in caplog.text)
    svc.request_stop("test")
    thread.join(timeout=10)

    assert setup.fake.calls() == []


def test_the_service_survives_a_crashing_check(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    seed_job(setup, datetime.now(UTC) - timedelta(seconds=1))
    setup.fake.set_plan([step(*OK, crash=True)])

    svc, thread = serve_in_thread(setup)
    wait_until(lambda: "killed by SIGKILL" in caplog.text)
    time.sleep(0.2)
    alive = thread.is_alive()
    svc.request_stop("test")
    thread.join(timeout=10)

    assert alive and not thread.is_alive()
    assert "linkwacht scheduler stopped" in caplog.text


def test_a_changed_schedule_replaces_the_stored_job(setup: Setup) -> None:
    setup.configure(schedule={"cron": "30 5 * * 1", "timezone": "Europe/Brussels"})
    seed_job(setup, datetime.now(UTC) + timedelta(days=300))
    setup.configure(schedule={"cron": "0 4 * * *", "timezone": "Europe/Brussels"})

    svc, thread = serve_in_thread(setup)
    wait_until(lambda: "next run at" in setup.log_text() or stored_next_run(setup) is not None)
    time.sleep(0.3)
    svc.request_stop("test")
    thread.join(timeout=10)

    due = stored_next_run(setup)
    assert due is not None and due < datetime.now(UTC) + timedelta(days=1, minutes=1)
    assert due.astimezone(alerts.zone(setup.config)).strftime("%H:%M") == "04:00"


def test_sigterm_stops_the_service_within_the_grace(setup: Setup) -> None:
    setup.configure(schedule={"stop_grace": 0.5, "kill_after": 5.0})
    seed_job(setup, datetime.now(UTC) - timedelta(seconds=1))
    setup.fake.set_plan([step(*OK, sleep=60)])
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkwacht.cli", "--config", str(setup.config_path), "schedule"],
        stderr=subprocess.DEVNULL,
    )
    try:
        setup.fake.wait_for("started", timeout=20)
        asked = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
        took = time.monotonic() - asked
    finally:
        if proc.poll() is None:
            proc.kill()

    assert code == 0
    assert took < 0.5 + 2.5
    assert setup.fake.calls() == ["invoked", "started", "terminated"]
    (run,) = setup.runs()
    assert run.state is RunState.ABORTED
    log = setup.log_text()
    assert "SIGTERM: stopping" in log and "linkwacht scheduler stopped" in log


def test_sigterm_stops_an_idle_service_at_once(setup: Setup) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkwacht.cli", "--config", str(setup.config_path), "schedule"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: "next run at" in setup.log_text() or "scheduled" in setup.log_text())
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0
    assert setup.fake.calls() == []


@BOTH_BACKENDS
def test_apscheduler_adds_only_its_own_table_to_the_schema(setup: Setup) -> None:
    seed_job(setup, datetime.now(UTC) + timedelta(days=1))

    def include_object(obj: object, name: str | None, type_: str, *_: object) -> bool:
        # The filter migrations/env.py needs: APScheduler creates and owns this table.
        return not (type_ == "table" and name == JOBS_TABLE)

    engine = make_engine(setup.config.db_url)
    try:
        with engine.connect() as conn:
            plain = MigrationContext.configure(conn, opts={"compare_type": True})
            found = {(d[0], d[1].name) for d in compare_metadata(plain, Base.metadata)}
            filtered = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            )
            remaining = compare_metadata(filtered, Base.metadata)
    finally:
        engine.dispose()
    assert found == {
        ("remove_table", JOBS_TABLE),
        ("remove_index", "ix_apscheduler_jobs_next_run_time"),
    }
    assert remaining == []


# -- the outage guard ----------------------------------------------------------------------


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)  # any answer means the internet is there
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_no_canary_answers_no_check_runs_and_the_admin_hears_once(setup: Setup) -> None:
    dead = f"http://127.0.0.1:{free_port()}/"
    setup.configure(schedule={"canary_urls": f"{dead}, {dead}x", "canary_timeout": 2.0})
    svc = setup.service()

    first = svc.run_once()
    second = svc.run_once()

    assert (first.outcome, first.exit_code) == ("inconclusive", 3)
    assert setup.fake.calls() == []
    runs = setup.runs()
    assert [r.state for r in runs] == [RunState.INCONCLUSIVE] * 2
    assert runs[0].message is not None and "none of the canary URLs answered" in runs[0].message
    assert second.outcome == "inconclusive"
    (notice,) = setup.smtp.wait_for(1)
    assert notice.rcpt_tos == [ADMIN] and "could not reach the internet" in notice.subject


def test_an_answering_canary_lets_the_check_run(setup: Setup) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dead = f"http://127.0.0.1:{free_port()}/"
        alive = f"http://127.0.0.1:{server.server_address[1]}/"
        setup.configure(schedule={"canary_urls": f"{dead},{alive}"})
        setup.fake.set_plan([step(*OK)])
        report = setup.service().run_once()
    finally:
        server.shutdown()
    assert report.outcome == "complete" and setup.fake.calls().count("invoked") == 1


# -- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "top", "message"),
    [
        ({"cron": "every night"}, {}, "schedule.cron: 'every night' is not a crontab"),
        ({"timezone": "Europe/Bruxelles"}, {}, "unknown time zone 'Europe/Bruxelles'"),
        ({"stop_grace": 0.0}, {}, "schedule.stop_grace: must be more than 0"),
        ({}, {"lang": "de"}, "lang: expected one of nl, fr, en"),
    ],
)
def test_settings_that_cannot_work_are_refused(
    setup: Setup, schedule: dict[str, str | float], top: dict[str, str], message: str
) -> None:
    setup.configure(schedule=schedule, **top)
    with pytest.raises(ConfigError, match=message):
        setup.service()


def test_the_default_schedule_is_nightly_at_four_in_brussels() -> None:
    trigger = service.make_trigger(Config())
    assert isinstance(trigger, CronTrigger)
    # Across both DST changes of 2026: 04:00 local every day, never skipped or doubled.
    start = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    fire: datetime | None = start
    seen = []
    for _ in range(220):
        fire = trigger.get_next_fire_time(None, fire + timedelta(seconds=1))  # type: ignore[operator]
        assert fire is not None
        seen.append(fire)
    assert {f.strftime("%H:%M") for f in seen} == {"04:00"}
    assert len({f.date() for f in seen}) == len(seen)
    assert {f.utcoffset() for f in seen} == {timedelta(hours=1), timedelta(hours=2)}


def test_a_missing_check_command_is_a_failure_the_administrator_hears_of(setup: Setup) -> None:
    setup.configure(schedule={"check_command": str(setup.tmp / "no-such-linkwacht")})

    report = setup.service().run_once()

    assert report.exit_code == service.EXIT_FAILED
    (run,) = setup.runs()
    assert run.state is RunState.ABORTED
    assert run.message is not None and "could not be started" in run.message
    (notice,) = setup.smtp.wait_for(1)
    assert notice.rcpt_tos == [ADMIN] and "no-such-linkwacht" in notice.part("plain")


# -- deploy/ -----------------------------------------------------------------------------

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_the_systemd_unit_gives_the_check_its_grace() -> None:
    unit = dict(
        line.split("=", 1)
        for line in (DEPLOY / "linkwacht.service").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    defaults = Config().schedule
    assert unit["ExecStart"].endswith("/linkwacht schedule")
    assert unit["Restart"] == "on-failure"
    assert unit["KillSignal"] == "SIGTERM"
    assert unit["KillMode"] == "mixed"  # SIGTERM to the service only: it stops its check
    assert float(unit["TimeoutStopSec"]) > defaults.stop_grace + defaults.kill_after
    assert unit["EnvironmentFile"] and unit["User"] and unit["WorkingDirectory"]
    env_example = (DEPLOY / "linkwacht.env.example").read_text()
    assert "LINKWACHT_SMTP_PASSWORD=" in env_example


def test_the_crontab_runs_once_a_night_in_brussels_time() -> None:
    lines = [
        line
        for line in (DEPLOY / "linkwacht.cron").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert "CRON_TZ=Europe/Brussels" in lines
    assert "0 4 * * * cd /srv/linkwacht && .venv/bin/linkwacht schedule --once" in lines


def test_the_administrator_can_send_a_test_mail(setup: Setup) -> None:
    from linkwacht.cli import main

    done = CliRunner().invoke(main, ["--config", str(setup.config_path), "schedule", "--test-mail"])

    assert done.exit_code == 0, done.output
    (mail,) = setup.smtp.wait_for(1)
    assert sorted(mail.rcpt_tos) == sorted([*MAINTAINERS, ADMIN])
    assert mail.subject == "linkwacht: test message" and mail.tls and mail.authenticated
    assert setup.fake.calls() == []  # no check was run
