"""Alerts maintainers can trust, end to end against a real SMTP server: confirmation
across runs, recovery, redirects, blocked entries, acknowledgements, outages, a mail server
that is down, languages, the weekly summary and the report. Each test plays a few nights
(a finished run, then the scheduler's processing and sending) and asserts on the e-mails
that arrived."""

from __future__ import annotations

import dataclasses
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_scheduler_support import (
    ENTRIES,
    SMTP_PASSWORD,
    SMTP_USER,
    Received,
    SmtpServer,
    record_run,
    result,
)

from crawler.config import AlertsConfig, Config, SmtpConfig
from crawler.model import CheckResult
from crawler.store.api import Store
from crawler.store.models import OutboxRow
from scheduler import alerts
from scheduler.mail import Mailer, flush_outbox
from scheduler.state import State

MAINTAINERS = ["an@igvm.example", "bert@igvm.example"]
ADMIN = "admin@igvm.example"
REPORT, REPORT_ADVICE = alerts._report, alerts.report_advice
BROCHURE = ENTRIES[0]  # id 1
MELDPUNT = ENTRIES[1]  # id 2
ORG = ENTRIES[2]  # id 3, http://c.example/


@dataclass
class Env:
    store: Store
    config: Config
    mailer: Mailer
    smtp: SmtpServer
    tmp: Path

    def reconfigure(self, **changes: object) -> None:
        self.config = dataclasses.replace(self.config, **changes)  # type: ignore[arg-type]
        self.mailer = Mailer(self.config.smtp, password=SMTP_PASSWORD)

    def night(
        self,
        *results: CheckResult,
        state: str = "complete",
        message: str | None = None,
        now: datetime | None = None,
    ) -> list[Received]:
        """One run, then what the scheduler does after it; the e-mails that arrived."""
        before = len(self.smtp.received)
        healthy = {r.entry_id for r in results}
        everyone = [*results, *(result(e.id, "ok") for e in ENTRIES if e.id not in healthy)]
        record_run(self.store, everyone, state, message)
        alerts.process_runs(self.store, self.config, self.mailer, now=now)
        flush_outbox(self.store.engine, self.mailer)
        return self.smtp.received[before:]


@pytest.fixture
def env(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    # The generic wording, and no report: these tests do not depend on reports/.
    monkeypatch.setattr(alerts, "report_advice", lambda *args: None)
    monkeypatch.setattr(alerts, "_report", lambda *args: None)
    server = SmtpServer(tmp_path).start()
    smtp = SmtpConfig(
        host="127.0.0.1",
        port=server.port,
        user=SMTP_USER,
        sender="linkwacht <linkwacht@igvm.example>",
        maintainers=", ".join(MAINTAINERS),
        administrators=ADMIN,
        timeout=5.0,
        ca_bundle=str(server.ca_file),
    )
    config = Config(db=db_url, out=str(tmp_path / "out"), lang="en", smtp=smtp)
    store = Store.open(db_url)
    store.sync_register(ENTRIES, source="register.csv")
    try:
        yield Env(store, config, Mailer(smtp, password=SMTP_PASSWORD), server, tmp_path)
    finally:
        store.close()
        server.stop()


def gone(entry_id: int = 1, **kw: object) -> CheckResult:
    return result(entry_id, "broken", confirmed=True, **kw)  # type: ignore[arg-type]


def test_a_dead_link_is_reported_once_after_two_confirming_runs(env: Env) -> None:
    assert env.night(gone()) == []  # suspect: the next run must confirm

    (mail,) = env.night(gone())

    assert mail.rcpt_tos == MAINTAINERS
    assert mail.subject == f"linkwacht: Newly broken: {BROCHURE.title}"
    text, html = mail.part("plain"), mail.part("html")
    for part in (text, unescape(html)):
        assert f"[1] {BROCHURE.title}" in part
        assert BROCHURE.url in part
        assert "page not found (404)" in part
        assert "Find the resource's new address" in part
    assert ORG.title not in text  # only what changed
    assert env.night(gone()) == []  # still broken: not repeated
    assert alerts.entry_states(env.store)[1].state is State.BROKEN


def test_a_404_that_the_next_run_does_not_confirm_is_never_mailed(env: Env) -> None:
    assert env.night(gone()) == []
    assert env.night() == []
    assert env.night(result(1, "broken", confirmed=False)) == []  # re-check disagreed
    assert alerts.entry_states(env.store)[1].state is State.SUSPECT


def test_timeouts_are_mailed_after_three_runs(env: Env) -> None:
    slow = result(2, "transient")
    assert env.night(slow) == [] and env.night(slow) == []
    (mail,) = env.night(slow)
    assert "no answer in time" in mail.part("plain")


def test_recovery_is_reported_once(env: Env) -> None:
    env.night(gone())
    env.night(gone())

    (mail,) = env.night()

    assert mail.subject == f"linkwacht: Recovered: {BROCHURE.title}"
    assert "Nothing to do: the link works again." in mail.part("plain")
    assert env.night() == []


def test_a_new_redirect_comes_with_the_suggested_url_once(env: Env) -> None:
    moved = result(3, "redirected", final_url="https://c.example/")

    (mail,) = env.night(moved)

    assert "Newly redirected" in mail.subject
    assert "Suggested URL: https://c.example/" in mail.part("plain")
    assert '<a href="https://c.example/">https://c.example/</a>' in mail.part("html")
    assert env.night(moved) == []
    (again,) = env.night(result(3, "redirected", final_url="https://c.example/new"))
    assert "https://c.example/new" in again.part("plain")


def test_a_blocked_entry_is_mentioned_once_and_never_called_broken(env: Env) -> None:
    wall = result(2, "blocked")
    mails = [m for _ in range(4) for m in env.night(wall)]
    (mail,) = mails
    assert mail.subject == f"linkwacht: Newly blocked: {MELDPUNT.title}"
    assert "access refused (403)" in mail.part("plain")
    assert "Newly broken" not in mail.part("plain")


def test_several_changes_make_one_digest(env: Env) -> None:
    env.night(gone())

    (mail,) = env.night(
        gone(), result(2, "blocked"), result(3, "redirected", final_url="https://c.example/")
    )

    assert mail.subject == "linkwacht: 1 newly broken, 1 newly redirected, 1 newly blocked"
    text = mail.part("plain")
    assert (
        text.index("Newly broken (1)")
        < text.index("Newly redirected")
        < text.index("Newly blocked")
    )


def test_an_outage_moves_nothing_and_tells_the_administrator_once(env: Env) -> None:
    env.night(gone())
    down = result(1, "transient", reason="network_down")
    message = "Inconclusive: 3 of 3 hosts could not be reached at all"

    (notice,) = env.night(down, state="inconclusive", message=message)

    assert notice.rcpt_tos == [ADMIN]
    assert notice.subject == "linkwacht: could not reach the internet"
    assert message in notice.part("plain")
    assert env.night(down, state="inconclusive", message=message) == []  # once, not nightly
    states = alerts.entry_states(env.store)
    assert (states[1].state, states[1].failures) == (State.SUSPECT, 1)  # untouched

    # The connection is back: the second confirming run is the one after the outage.
    (digest,) = env.night(gone())
    assert digest.rcpt_tos == MAINTAINERS and "Newly broken" in digest.subject
    # A later outage is news again.
    (again,) = env.night(down, state="inconclusive", message=message)
    assert again.rcpt_tos == [ADMIN]


def test_an_acknowledged_entry_is_muted_until_its_result_changes(env: Env) -> None:
    env.night(gone())
    alerts.add_ack(env.store, 1, note="site in maintenance until January")

    assert env.night(gone()) == []  # broken now, but acknowledged
    assert env.night(gone()) == []
    assert [a.entry_id for a in alerts.list_acks(env.store)] == [1]

    (mail,) = env.night(gone(reason="http_410"))  # the evidence changed

    assert "No longer acknowledged" in mail.subject
    text = mail.part("plain")
    assert "The result changed since it was acknowledged." in text
    assert "page removed (410)" in text
    assert "site in maintenance until January" in text
    assert alerts.list_acks(env.store) == []


def test_an_acknowledgement_ends_on_its_date(env: Env) -> None:
    env.night(gone())
    env.night(gone())
    now = datetime.now(UTC)
    until = alerts.end_of_day(now.date() + timedelta(days=3), alerts.zone(env.config))
    alerts.add_ack(env.store, 1, until=until)

    assert env.night(gone(), now=now + timedelta(days=1)) == []
    (mail,) = env.night(gone(), now=now + timedelta(days=5))

    assert "The acknowledgement ran until" in mail.part("plain")
    assert alerts.list_acks(env.store) == []


def test_an_acknowledgement_also_mutes_a_new_redirect(env: Env) -> None:
    moved = result(3, "redirected", final_url="https://c.example/")
    record_run(env.store, [moved, result(1, "ok"), result(2, "ok")])
    alerts.add_ack(env.store, 3)
    # The first processing sees the redirect; the acknowledgement holds.
    alerts.process_runs(env.store, env.config, env.mailer)
    flush_outbox(env.store.engine, env.mailer)
    assert env.smtp.received == []


def test_the_ack_command(env: Env) -> None:
    from linkwacht.cli import main

    env.night(gone())
    runner = CliRunner()
    db = ["--db", env.config.db]

    added = runner.invoke(main, [*db, "ack", "1", "--until", "2099-12-31", "--note", "known"])
    listed = runner.invoke(main, [*db, "ack", "--list"])
    cleared = runner.invoke(main, [*db, "ack", "--clear", "1"])
    unknown = runner.invoke(main, [*db, "ack", "99"])
    past = runner.invoke(main, [*db, "ack", "2", "--until", "2000-01-01"])

    assert added.exit_code == 0, added.output
    assert "broken http_404 acknowledged until 2099-12-31" in added.output
    assert listed.exit_code == 0
    assert BROCHURE.title in listed.output and "until 2099-12-31" in listed.output
    assert "known" in listed.output and "1 acknowledged" in listed.output
    assert "acknowledgement ended" in cleared.output
    assert unknown.exit_code == 2 and "no entry with id 99" in unknown.output
    assert past.exit_code == 2 and "in the past" in past.output


def test_a_failed_send_is_kept_and_sent_on_the_next_run(env: Env) -> None:
    env.night(gone())
    env.smtp.stop()  # the mail server is down tonight

    assert env.night(gone()) == []
    with Session(env.store.engine) as session:
        kept = session.scalars(select(OutboxRow)).one()
        assert kept.sent_at is None and kept.attempts == 1 and kept.last_error

    env.smtp.start()
    (mail,) = env.night(gone())  # nothing new tonight: yesterday's digest goes out

    assert "Newly broken" in mail.subject and mail.rcpt_tos == MAINTAINERS
    assert env.night(gone()) == []  # sent once only


@pytest.mark.parametrize(
    ("lang", "subject", "heading", "reason"),
    [
        ("nl", "linkwacht: 1 nieuw kapot, 1 nieuw doorverwezen", "Nieuw kapot (1)",
         "pagina niet gevonden (404)"),
        ("fr", "linkwacht: 1 nouvellement cassé(s), 1 nouvellement redirigé(s)",
         "Nouvellement cassés (1)", "page introuvable (404)"),
    ],
)  # fmt: skip
def test_the_digest_speaks_the_configured_language(
    env: Env, lang: str, subject: str, heading: str, reason: str
) -> None:
    env.reconfigure(lang=lang)
    env.night(gone())

    (mail,) = env.night(gone(), result(3, "redirected", final_url="https://c.example/"))

    assert mail.subject == subject
    assert heading in mail.part("plain") and reason in mail.part("plain")
    assert f'<html lang="{lang}">' in mail.part("html")


def test_a_title_from_the_web_cannot_inject_headers_or_markup(env: Env) -> None:
    evil_title = 'Brochure\r\nBcc: thief@evil.example\r\n<img src=x onerror="alert(1)">'
    env.store.sync_register(
        [dataclasses.replace(BROCHURE, title=evil_title), *ENTRIES[1:]], source="register.csv"
    )
    page = result(1, "blocked", title="<script>steal()</script>\nX-Evil: 1")

    (mail,) = env.night(page)

    assert mail.rcpt_tos == MAINTAINERS
    assert mail.message["Bcc"] is None and mail.message["X-Evil"] is None
    assert "\n" not in mail.subject
    assert mail.subject.startswith("linkwacht: Newly blocked: Brochure Bcc: thief@evil.example")
    html = mail.part("html")
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;steal()&lt;/script&gt;" in html
    assert "Page title: <script>steal()</script> X-Evil: 1" in mail.part("plain")


def test_nothing_changed_means_no_mail_unless_it_is_the_summary_day(env: Env) -> None:
    now = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)  # a Monday
    assert env.night(now=now) == []  # off by default

    env.reconfigure(alerts=AlertsConfig(weekly_summary="monday"))
    wall = result(2, "blocked")
    assert len(env.night(gone(), wall, now=now)) == 1  # newly blocked: a digest, not a summary
    assert len(env.night(gone(), wall, now=now)) == 1  # newly broken: a digest again
    assert env.night(gone(), wall, now=now + timedelta(days=1)) == []  # a Tuesday
    (summary,) = env.night(gone(), wall, now=now + timedelta(days=7))

    assert summary.subject == "linkwacht: weekly summary"
    text = summary.part("plain")
    assert "Broken (1)" in text and BROCHURE.title in text
    assert "Blocked (a person should look) (1)" in text and MELDPUNT.title in text
    assert env.night(gone(), result(2, "blocked"), now=now + timedelta(days=7, hours=1)) == []
    assert env.night(gone(), result(2, "blocked"), now=now + timedelta(days=8)) == []


def test_the_report_is_attached_when_the_run_wrote_one(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, str]] = []

    def write_run_report(store: Store, run_id: int, out_dir: Path, lang: str) -> Path:
        calls.append((run_id, lang))
        path = Path(out_dir) / "report.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<html>report of run {run_id}</html>")
        return path

    fake = types.ModuleType("reports")
    fake.write_run_report = write_run_report  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "reports", fake)
    monkeypatch.setattr(alerts, "_report", REPORT)
    env.night(gone())

    (mail,) = env.night(gone())

    run_id = calls[-1][0]
    assert calls[-1] == (run_id, "en")
    assert mail.attachments() == {
        f"linkwacht-report-run-{run_id}.html": f"<html>report of run {run_id}</html>".encode()
    }
    assert "The full report is attached." in mail.part("plain")


def test_the_report_is_linked_when_configured(env: Env) -> None:
    env.reconfigure(alerts=AlertsConfig(report_url="https://intranet.igvm.example/linkwacht/"))
    env.night(gone())

    (mail,) = env.night(gone())

    assert mail.attachments() == {}
    assert "Full report: https://intranet.igvm.example/linkwacht/" in mail.part("plain")
    assert 'href="https://intranet.igvm.example/linkwacht/"' in mail.part("html")


def test_the_reports_wording_is_used_when_reports_is_installed(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        from reports.i18n import Words
    except ImportError:
        pytest.skip("reports/ is not installed")
    monkeypatch.setattr(alerts, "report_advice", REPORT_ADVICE)
    env.night(gone())

    (mail,) = env.night(gone())

    expected = Words("en").advice(gone())
    assert expected in mail.part("plain")


def test_without_mail_settings_states_still_move_and_nothing_is_queued(env: Env) -> None:
    env.reconfigure(smtp=SmtpConfig())
    env.night(gone())
    assert env.night(gone()) == []
    assert alerts.entry_states(env.store)[1].state is State.BROKEN
    with Session(env.store.engine) as session:
        assert session.scalars(select(OutboxRow)).all() == []


def test_a_first_start_on_an_old_database_reads_only_the_last_runs(env: Env) -> None:
    for _ in range(5):  # a month of runs by hand, long before the service existed
        record_run(env.store, [gone(), result(2, "ok"), result(3, "ok")])
    record_run(env.store, [result(1, "ok"), result(2, "ok"), result(3, "ok")])
    record_run(env.store, [gone(), result(2, "ok"), result(3, "ok")])
    record_run(env.store, [gone(), result(2, "ok"), result(3, "ok")])

    outcome = alerts.process_runs(env.store, env.config, env.mailer)

    assert len(outcome.runs) == 3  # enough for the thresholds
    assert [i.change.value for i in outcome.items] == ["newly_broken"]
