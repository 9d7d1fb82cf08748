"""From finished runs to e-mails: entry states, the digest, notices, acknowledgements.

``process_runs`` takes every run finished since the last one processed (runs started by hand
with ``linkwacht check`` count too), moves the entry states (``scheduler.state``), and puts
at most one digest in the outbox: the entries newly broken, recovered, newly redirected,
newly blocked, or whose acknowledgement ended. Nothing changed, no e-mail (unless it is the
day of the optional weekly summary). An inconclusive run (the network was down) moves no
state and sends no digest; the administrators get one notice, and no other until a run
gets through again. The state changes and the e-mail are written in one transaction, so a
crash can neither lose an alert nor send one twice.
"""

from __future__ import annotations

import getpass
import importlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crawler.config import Config, ConfigError
from crawler.model import CheckResult, Status
from crawler.store.api import RunInfo, RunState, Store
from crawler.store.db import WRITE_OPTION
from crawler.store.models import AckRow, EntryStateRow, OutboxRow, RunRow, ServiceStateRow
from scheduler import templates
from scheduler.i18n import check_lang, describe_reason, phrase, report_advice
from scheduler.mail import Attachment, Mailer, build_message, clean_text, enqueue
from scheduler.state import (
    Ack,
    AckStatus,
    Change,
    EntryState,
    Evidence,
    Rules,
    State,
    ack_status,
    advance,
    changes,
)

log = logging.getLogger("linkwacht.alerts")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_ATTACHMENT = 10_000_000  # bytes; a larger report is linked, not attached
# Changes whose action line is the report's advice for the result (when reports/ is there).
REPORT_ADVICE = frozenset({Change.NEWLY_BROKEN, Change.NEWLY_REDIRECTED, Change.NEWLY_BLOCKED})
LAST_RUN, OUTAGE, FAILURE, SUMMARY = "last_run", "outage", "failure", "weekly_summary"


def rules_of(config: Config) -> Rules:
    try:
        return Rules(config.alerts.confirm_runs, config.alerts.transient_runs)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def validate(config: Config) -> None:
    """Refuse alert settings that cannot work, before the service starts."""
    check_lang(config.lang)
    rules_of(config)
    weekday = config.alerts.weekly_summary.strip().lower()
    if weekday and weekday not in WEEKDAYS:
        raise ConfigError(
            f"alerts.weekly_summary: expected a weekday ({', '.join(WEEKDAYS)}) or empty, "
            f"got {config.alerts.weekly_summary!r}"
        )
    zone(config)


def zone(config: Config) -> ZoneInfo:
    try:
        return ZoneInfo(config.schedule.timezone)
    except (KeyError, ValueError):
        raise ConfigError(
            f"schedule.timezone: unknown time zone {config.schedule.timezone!r} "
            "(e.g. Europe/Brussels)"
        ) from None


# -- what the digest shows ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestItem:
    change: Change
    entry_id: int
    title: str  # as written in the register
    url: str  # as written in the register
    status: str
    reason: str
    http_status: int | None = None
    final_url: str | None = None
    page_title: str | None = None  # from the web: plain text only
    note: str | None = None  # the acknowledgement's note
    ack_until: datetime | None = None
    result: CheckResult | None = None  # the latest result, for the report's advice


@dataclass(slots=True)
class Outcome:
    """What ``process_runs`` did."""

    runs: list[RunInfo] = field(default_factory=list)
    items: list[DigestItem] = field(default_factory=list)
    states: dict[int, EntryState] = field(default_factory=dict)
    outage_notice: bool = False  # an outage notice was queued
    summary: bool = False  # a weekly summary was queued
    queued: list[int] = field(default_factory=list)  # outbox ids

    @property
    def complete_runs(self) -> list[RunInfo]:
        return [r for r in self.runs if r.state is RunState.COMPLETE]

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for item in self.items:
            found[item.change.value] = found.get(item.change.value, 0) + 1
        return found


# -- processing runs ----------------------------------------------------------------------


def _writer(store: Store) -> Session:
    return Session(store.engine.execution_options(**{WRITE_OPTION: True}))


def _get_flag(session: Session, key: str) -> dict[str, Any] | None:
    row = session.get(ServiceStateRow, key)
    return None if row is None else dict(row.value)


def _set_flag(session: Session, key: str, value: dict[str, Any] | None, now: datetime) -> None:
    row = session.get(ServiceStateRow, key)
    if value is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(ServiceStateRow(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now


def pending_runs(store: Store, rules: Rules) -> list[RunInfo]:
    """Finished runs not processed yet, oldest first; up to (not past) a run still going.

    The first time, only the last few runs are taken: enough for the thresholds."""
    with Session(store.engine) as session:
        mark = _get_flag(session, LAST_RUN)
        query = select(RunRow.id, RunRow.state).order_by(RunRow.id)
        if mark is not None:
            query = query.where(RunRow.id > int(mark["run_id"]))
        rows = session.execute(query).all()
    ids: list[int] = []
    for run_id, state in rows:
        if state == RunState.RUNNING:
            break
        ids.append(run_id)
    if mark is None:
        ids = ids[-max(rules.confirm_runs, rules.transient_runs) :]
    runs = [store.get_run(i) for i in ids]
    return [r for r in runs if r is not None]


def _load_states(session: Session) -> dict[int, EntryState]:
    found: dict[int, EntryState] = {}
    for row in session.scalars(select(EntryStateRow)):
        evidence = Evidence(row.status, row.reason or "", row.final_url) if row.status else None
        found[row.entry_id] = EntryState(
            State(row.state),
            row.failures,
            row.hard_failures,
            row.redirect_url,
            row.blocked,
            evidence,
        )
    return found


def _load_acks(session: Session) -> dict[int, Ack]:
    return {
        row.entry_id: Ack(
            row.entry_id, Evidence(row.status, row.reason, row.final_url), row.until, row.note
        )
        for row in session.scalars(select(AckRow))
    }


def process_runs(
    store: Store,
    config: Config,
    mailer: Mailer,
    *,
    now: datetime | None = None,
) -> Outcome:
    """Apply every finished, unprocessed run to the entry states and queue the e-mails.

    The caller holds the check lock (so no two processes do this at once) and sends the
    outbox afterwards."""
    now = now or datetime.now(UTC)
    rules = rules_of(config)
    outcome = Outcome(runs=pending_runs(store, rules))
    if not outcome.runs:
        return outcome
    results: dict[int, list[CheckResult]] = {
        run.id: store.results_for_run(run.id) for run in outcome.complete_runs
    }
    with Session(store.engine) as session:
        before = _load_states(session)
        acks = _load_acks(session)
        outage = _get_flag(session, OUTAGE)
        failure = _get_flag(session, FAILURE)

    # The rules, run after run.
    current = dict(before)
    latest: dict[int, CheckResult] = {}
    lapsed: dict[int, AckStatus] = {}
    run_of: dict[int, int] = {}
    outage_run: RunInfo | None = None
    for run in outcome.runs:
        if run.state is RunState.COMPLETE:
            outage, outage_run, failure = None, None, None
            for result in results[run.id]:
                entry_id = result.entry_id
                current[entry_id] = advance(current.get(entry_id, EntryState()), result, rules)
                latest[entry_id] = result
                run_of[entry_id] = run.id
                ack = acks.get(entry_id)
                if ack is not None and entry_id not in lapsed:
                    status = ack_status(ack, Evidence.of(result), now)
                    if status is not AckStatus.ACTIVE:
                        lapsed[entry_id] = status
        elif run.state is RunState.INCONCLUSIVE:
            failure = None  # the check itself worked
            if outage is None:
                outage = {"run_id": run.id, "since": run.started_at.isoformat()}
                outage_run = run
        # aborted runs say nothing about the links
    for entry_id, ack in acks.items():
        if entry_id not in lapsed and ack_status(ack, None, now) is AckStatus.EXPIRED:
            lapsed[entry_id] = AckStatus.EXPIRED

    entries = {e.id: e for e in store.list_entries(include_retired=True)}
    for entry_id, after in current.items():
        kinds = changes(before.get(entry_id, EntryState()), after)
        ack = acks.get(entry_id)
        if ack is not None and entry_id not in lapsed:
            if kinds:
                log.info("entry %d: %s muted by an acknowledgement", entry_id, kinds)
            continue
        if ack is not None and not kinds and after.state is not State.HEALTHY:
            kinds = [Change.UNMUTED]
        info = entries.get(entry_id)
        seen = latest.get(entry_id)
        for kind in kinds:
            unmuted = kind is Change.UNMUTED and ack is not None
            outcome.items.append(
                DigestItem(
                    change=kind,
                    entry_id=entry_id,
                    title=info.title if info else f"#{entry_id}",
                    url=info.url if info else (seen.url if seen else ""),
                    status=after.evidence.status if after.evidence else "",
                    reason=after.evidence.reason if after.evidence else "",
                    http_status=seen.http_status if seen else None,
                    final_url=after.redirect_url if kind is Change.NEWLY_REDIRECTED else None,
                    page_title=seen.title if seen else None,
                    note=ack.note if unmuted and ack is not None else None,
                    # set when the date ran out; None when the result changed
                    ack_until=ack.until
                    if unmuted and ack is not None and lapsed[entry_id] is AckStatus.EXPIRED
                    else None,
                    result=seen,
                )
            )
    outcome.items.sort(key=lambda i: (list(Change).index(i.change), _position(entries, i)))
    outcome.states = current

    messages = _compose_all(store, config, mailer, outcome, outage_run, now)
    last = outcome.runs[-1]
    with _writer(store) as session, session.begin():
        _save_states(session, before, current, run_of, now)
        for entry_id in lapsed:
            session.execute(delete(AckRow).where(AckRow.entry_id == entry_id))
        _set_flag(session, LAST_RUN, {"run_id": last.id}, now)
        _set_flag(session, OUTAGE, outage, now)
        _set_flag(session, FAILURE, failure, now)
        if outcome.summary:
            _set_flag(session, SUMMARY, {"date": _local_date(config, now).isoformat()}, now)
        rows: list[OutboxRow] = []
        for mail_kind, msg, run_id in messages:
            rows.append(enqueue(session, kind=mail_kind, msg=msg, run_id=run_id, now=now))
        session.flush()
        outcome.queued = [row.id for row in rows]
        for run in outcome.runs:
            _note_run(session, run.id, _run_note(run, outcome, mailer))
    _log_outcome(outcome)
    return outcome


def _position(entries: dict[int, Any], item: DigestItem) -> tuple[int, int]:
    info = entries.get(item.entry_id)
    return (info.position if info else 1 << 30, item.entry_id)


def _save_states(
    session: Session,
    before: dict[int, EntryState],
    current: dict[int, EntryState],
    run_of: dict[int, int],
    now: datetime,
) -> None:
    rows = {row.entry_id: row for row in session.scalars(select(EntryStateRow))}
    for entry_id, after in current.items():
        if entry_id not in run_of:
            continue  # not in these runs: unchanged
        row = rows.get(entry_id)
        evidence = after.evidence
        if row is None:
            row = EntryStateRow(entry_id=entry_id, since=now)
            session.add(row)
        elif row.state != after.state.value:
            row.since = now
        row.state = after.state.value
        row.failures = after.failures
        row.hard_failures = after.hard_failures
        row.redirect_url = after.redirect_url
        row.blocked = after.blocked
        row.status = evidence.status if evidence else None
        row.reason = evidence.reason if evidence else None
        row.final_url = evidence.final_url if evidence else None
        row.run_id = run_of[entry_id]


def _note_run(session: Session, run_id: int, note: str) -> None:
    """Append the scheduler's note to the run's message (``linkwacht runs`` shows it)."""
    if not note:
        return
    message = session.scalar(select(RunRow.message).where(RunRow.id == run_id))
    combined = f"{message} | {note}" if message else note
    session.execute(update(RunRow).where(RunRow.id == run_id).values(message=combined))


def _run_note(run: RunInfo, outcome: Outcome, mailer: Mailer) -> str:
    if run is not outcome.runs[-1]:
        return ""
    if run.state is RunState.INCONCLUSIVE:
        return "alerts: none (inconclusive run)" + (
            "; outage notice queued" if outcome.outage_notice else ""
        )
    if run.state is not RunState.COMPLETE:
        return ""
    counts = outcome.counts()
    if not counts:
        return "alerts: nothing changed" + ("; weekly summary queued" if outcome.summary else "")
    listed = ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in counts.items())
    where = "queued for e-mail" if mailer.enabled else "e-mail not configured"
    return f"alerts: {listed} ({where})"


def _log_outcome(outcome: Outcome) -> None:
    runs = ", ".join(f"{r.id} ({r.state})" for r in outcome.runs)
    log.info("processed run(s) %s: %s", runs, outcome.counts() or "nothing changed")
    for item in outcome.items:
        log.info(
            "  %s: entry %d %s <%s> %s %s",
            item.change,
            item.entry_id,
            clean_text(item.title, 80),
            clean_text(item.url),
            item.reason,
            clean_text(item.final_url or ""),
        )


# -- composing ------------------------------------------------------------------------------


def _local_date(config: Config, now: datetime) -> date:
    return now.astimezone(zone(config)).date()


def _when(config: Config, moment: datetime) -> str:
    return moment.astimezone(zone(config)).strftime("%Y-%m-%d %H:%M")


def _compose_all(
    store: Store,
    config: Config,
    mailer: Mailer,
    outcome: Outcome,
    outage_run: RunInfo | None,
    now: datetime,
) -> list[tuple[str, EmailMessage, int | None]]:
    messages: list[tuple[str, EmailMessage, int | None]] = []
    complete = outcome.complete_runs
    last_complete = complete[-1] if complete else None
    if outage_run is not None:
        outcome.outage_notice = True
        if mailer.enabled:
            messages.append(("notice", outage_notice(config, mailer, outage_run), outage_run.id))
        log.warning("outage: run %d could not reach the internet", outage_run.id)
    if last_complete is None:
        return messages
    if outcome.items:
        if mailer.enabled:
            attachment = _report(store, config, last_complete)
            messages.append(
                (
                    "digest",
                    digest_message(config, mailer, outcome.items, complete, attachment),
                    last_complete.id,
                )
            )
    elif _summary_due(store, config, now):
        outcome.summary = True
        if mailer.enabled:
            attachment = _report(store, config, last_complete)
            messages.append(
                (
                    "summary",
                    summary_message(
                        store, config, mailer, outcome.states, last_complete, attachment
                    ),
                    last_complete.id,
                )
            )
    return messages


def _summary_due(store: Store, config: Config, now: datetime) -> bool:
    weekday = config.alerts.weekly_summary.strip().lower()
    if not weekday:
        return False
    today = _local_date(config, now)
    if WEEKDAYS[today.weekday()] != weekday:
        return False
    with Session(store.engine) as session:
        last = _get_flag(session, SUMMARY)
    return last is None or last.get("date") != today.isoformat()


def _report(store: Store, config: Config, run: RunInfo) -> Attachment | None:
    """The run's HTML report: written by ``reports.write_run_report`` when that exists,
    attached if ``out/report.html`` is from this run."""
    try:
        module: Any = importlib.import_module("reports")
        writer = getattr(module, "write_run_report", None)
    except ImportError:
        writer = None
    out = Path(config.out)
    if writer is not None:
        try:
            writer(store, run.id, out, config.lang)
        except Exception:  # the report is a bonus: the alert goes out without it
            log.exception("the report for run %d could not be written", run.id)
    path = out / "report.html"
    try:
        stat = path.stat()
    except OSError:
        return None
    if stat.st_mtime < run.started_at.timestamp() - 1:
        log.info("%s is older than run %d: not attached", path, run.id)
        return None
    if stat.st_size > MAX_ATTACHMENT:
        log.info("%s is too large to attach (%d bytes)", path, stat.st_size)
        return None
    return Attachment(f"linkwacht-report-run-{run.id}.html", path.read_bytes())


def _item_view(lang: str, item: DigestItem, config: Config) -> dict[str, Any]:
    if item.change is Change.UNMUTED:
        if item.ack_until is not None:
            action = phrase(lang, "do_unmuted_expired", until=_when(config, item.ack_until)[:10])
        else:
            action = phrase(lang, "do_unmuted_changed")
    elif item.change in REPORT_ADVICE and item.result is not None:
        suggested = item.final_url or item.result.final_url
        action = report_advice(lang, item.result, suggested) or phrase(
            lang, f"do_{item.change.value}"
        )
    else:
        action = phrase(lang, f"do_{item.change.value}")
    result = describe_reason(lang, item.reason, item.http_status) if item.reason else ""
    return {
        "entry_id": item.entry_id,
        "title": clean_text(item.title, 300),
        "url": clean_text(item.url),
        "result": clean_text(result, 300),
        "suggested": clean_text(item.final_url) if item.final_url else "",
        # A dead page's title ("Page not found") is noise; a working one's tells what it is.
        "page_title": clean_text(item.page_title, 300)
        if item.page_title
        and item.change is not Change.NEWLY_BROKEN
        and item.page_title.strip() != item.title.strip()
        else "",
        "note": clean_text(item.note, 500) if item.note else "",
        "action": action,
    }


def _section(heading: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"title": f"{heading} ({len(entries)})", "entries": entries}


def _labels(lang: str) -> dict[str, str]:
    """Field labels with their colon ("URL: ", French "URL : ")."""
    keys = ("url", "result", "suggested", "page_title", "note")
    return {k: phrase(lang, k) + phrase(lang, "colon") for k in keys}


def digest_subject(lang: str, items: Sequence[DigestItem]) -> str:
    if len(items) == 1:
        item = items[0]
        what = phrase(lang, item.change.value).split(":")[0]
        return "linkwacht: " + phrase(
            lang, "one_subject", what=what, title=clean_text(item.title, 120)
        )
    counts: dict[Change, int] = {}
    for item in items:
        counts[item.change] = counts.get(item.change, 0) + 1
    parts = [phrase(lang, f"n_{kind.value}", n=n) for kind, n in counts.items()]
    return "linkwacht: " + ", ".join(parts)


def digest_message(
    config: Config,
    mailer: Mailer,
    items: Sequence[DigestItem],
    runs: Sequence[RunInfo],
    attachment: Attachment | None,
) -> EmailMessage:
    lang = config.lang
    last = runs[-1]
    when = _when(config, last.finished_at or last.started_at)
    if len(runs) == 1:
        intro = phrase(lang, "intro", run=last.id, when=when)
    else:
        intro = phrase(lang, "intro_many", runs=", ".join(str(r.id) for r in runs), when=when)
    sections = []
    for kind in Change:
        chosen = [_item_view(lang, i, config) for i in items if i.change is kind]
        if chosen:
            sections.append(_section(phrase(lang, kind.value), chosen))
    report_url = config.alerts.report_url.strip()
    if attachment is not None:
        report_line = phrase(lang, "report_attached")
    elif report_url:
        report_line = phrase(lang, "report_link", url=report_url)
    else:
        report_line = ""
    subject = digest_subject(lang, items)
    context = {
        "lang": lang,
        "subject": subject,
        "intro": intro,
        "sections": sections,
        "labels": _labels(lang),
        "report_line": report_line,
        "report_url": report_url if attachment is None and report_url else "",
        "footer": phrase(lang, "footer"),
    }
    if attachment is not None and report_url:
        context["report_line"] = report_line + " " + phrase(lang, "report_link", url=report_url)
    return build_message(
        sender=config.smtp.sender,
        recipients=mailer.maintainers,
        subject=subject,
        text=templates.render_text("digest.txt", **context),
        html=templates.render_html("digest.html", **context),
        attachments=[attachment] if attachment is not None else [],
    )


def _notice(config: Config, recipients: Sequence[str], subject_key: str, body: str) -> EmailMessage:
    lang = config.lang
    subject = "linkwacht: " + phrase(lang, subject_key)
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    return build_message(
        sender=config.smtp.sender,
        recipients=recipients,
        subject=subject,
        text=templates.render_text("notice.txt", body=body),
        html=templates.render_html(
            "notice.html", lang=lang, subject=subject, paragraphs=paragraphs
        ),
    )


def outage_notice(config: Config, mailer: Mailer, run: RunInfo) -> EmailMessage:
    body = phrase(
        config.lang,
        "outage_body",
        run=run.id,
        when=_when(config, run.started_at),
        message=clean_text(run.message or "", 1000),
    )
    return _notice(config, mailer.administrators, "outage_subject", body)


def failure_notice(
    config: Config, mailer: Mailer, message: str, now: datetime, log_file: str
) -> EmailMessage:
    body = phrase(
        config.lang,
        "failure_body",
        when=_when(config, now),
        message=message,
        log_file=log_file,
    )
    return _notice(config, mailer.administrators, "failure_subject", body)


def trial_message(config: Config, mailer: Mailer) -> EmailMessage:
    recipients = sorted(set(mailer.maintainers) | set(mailer.administrators))
    return _notice(config, recipients, "test_subject", phrase(config.lang, "test_body"))


def notify_failure(
    store: Store,
    config: Config,
    mailer: Mailer,
    message: str,
    *,
    now: datetime | None = None,
    log_file: str = "",
) -> bool:
    """Queue a "the scheduled check failed" notice for the administrators, unless one was
    sent since the last good run. True if one was queued."""
    now = now or datetime.now(UTC)
    with _writer(store) as session, session.begin():
        if _get_flag(session, FAILURE) is not None:
            return False
        _set_flag(session, FAILURE, {"since": now.isoformat(), "message": message[:2000]}, now)
        if mailer.enabled:
            enqueue(
                session,
                kind="notice",
                msg=failure_notice(config, mailer, message, now, log_file),
                run_id=None,
                now=now,
            )
    return True


def summary_message(
    store: Store,
    config: Config,
    mailer: Mailer,
    states: dict[int, EntryState],
    run: RunInfo,
    attachment: Attachment | None,
) -> EmailMessage:
    lang = config.lang
    with Session(store.engine) as session:
        muted = set(_load_acks(session))
    entries = {e.id: e for e in store.list_entries()}
    results = {r.entry_id: r for r in store.results_for_run(run.id)}

    def pick(test: Any) -> list[DigestItem]:
        chosen = []
        for entry_id, info in entries.items():
            st = states.get(entry_id)
            if st is None or entry_id in muted or not test(st, results.get(entry_id)):
                continue
            result = results.get(entry_id)
            chosen.append(
                DigestItem(
                    Change.NEWLY_BROKEN,
                    entry_id,
                    info.title,
                    info.url,
                    st.evidence.status if st.evidence else "",
                    st.evidence.reason if st.evidence else "",
                    result.http_status if result else None,
                    result.final_url if result and result.status is Status.REDIRECTED else None,
                )
            )
        return chosen

    groups = [
        ("summary_broken", pick(lambda s, r: s.state is State.BROKEN)),
        ("summary_blocked", pick(lambda s, r: r is not None and r.status is Status.BLOCKED)),
        (
            "summary_redirected",
            pick(lambda s, r: r is not None and r.status is Status.REDIRECTED),
        ),
    ]
    suspects = sum(
        1 for i, s in states.items() if s.state is State.SUSPECT and i in entries and i not in muted
    )
    intro = phrase(
        lang,
        "summary_intro",
        run=run.id,
        when=_when(config, run.finished_at or run.started_at),
        total=run.total or 0,
    )
    sections = []
    for key, items in groups:
        if items:
            views = []
            for item in items:
                view = _item_view(lang, item, config)
                view["action"] = ""
                views.append(view)
            sections.append(_section(phrase(lang, key), views))
    extra = [phrase(lang, "summary_suspect", n=suspects)] if suspects else []
    if not sections and not suspects:
        extra.append(phrase(lang, "summary_all_fine"))
    report_url = config.alerts.report_url.strip()
    report_line = (
        phrase(lang, "report_attached")
        if attachment is not None
        else phrase(lang, "report_link", url=report_url)
        if report_url
        else ""
    )
    subject = "linkwacht: " + phrase(lang, "summary_subject")
    context = {
        "lang": lang,
        "subject": subject,
        "intro": " ".join([intro, *extra]),
        "sections": sections,
        "labels": _labels(lang),
        "report_line": report_line,
        "report_url": report_url if attachment is None and report_url else "",
        "footer": phrase(lang, "footer"),
    }
    return build_message(
        sender=config.smtp.sender,
        recipients=mailer.maintainers,
        subject=subject,
        text=templates.render_text("digest.txt", **context),
        html=templates.render_html("digest.html", **context),
        attachments=[attachment] if attachment is not None else [],
    )


# -- acknowledgements ----------------------------------------------------------------------


class AckError(ValueError):
    """The acknowledgement cannot be made (unknown entry, no result, date in the past)."""


@dataclass(frozen=True, slots=True)
class AckInfo:
    entry_id: int
    title: str
    status: str
    reason: str
    final_url: str | None
    until: datetime | None
    note: str | None
    created_at: datetime
    created_by: str | None


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The first moment after ``day`` in ``tz``, in UTC: "--until 2026-12-31" includes
    the whole of the 31st."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tz).astimezone(UTC)


def add_ack(
    store: Store,
    entry_id: int,
    *,
    until: datetime | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> AckInfo:
    """Mute ``entry_id``'s alerts until ``until`` or until its result changes."""
    now = now or datetime.now(UTC)
    info = store.entry(entry_id)
    if info is None:
        raise AckError(f"no entry with id {entry_id}")
    if until is not None and until <= now:
        raise AckError(f"--until {until.date().isoformat()} is in the past")
    history = store.history(entry_id, limit=20)
    trusted = [h for h in history if h.run.state is RunState.COMPLETE] or history
    if not trusted:
        raise AckError(f"entry {entry_id} has no result yet: nothing to acknowledge")
    evidence = Evidence.of(trusted[0].result)
    try:
        user: str | None = getpass.getuser()
    except (KeyError, OSError):
        user = None
    with _writer(store) as session, session.begin():
        row = session.get(AckRow, entry_id)
        if row is None:
            row = AckRow(entry_id=entry_id)
            session.add(row)
        row.status, row.reason, row.final_url = evidence.status, evidence.reason, evidence.final_url
        row.until, row.note, row.created_at, row.created_by = until, note, now, user
    return AckInfo(
        entry_id, info.title, evidence.status, evidence.reason, evidence.final_url, until,
        note, now, user,
    )  # fmt: skip


def list_acks(store: Store) -> list[AckInfo]:
    entries = {e.id: e for e in store.list_entries(include_retired=True)}
    with Session(store.engine) as session:
        rows = session.scalars(select(AckRow).order_by(AckRow.entry_id)).all()
        return [
            AckInfo(
                r.entry_id,
                entries[r.entry_id].title if r.entry_id in entries else "",
                r.status,
                r.reason,
                r.final_url,
                r.until,
                r.note,
                r.created_at,
                r.created_by,
            )
            for r in rows
        ]


def clear_ack(store: Store, entry_id: int) -> bool:
    with _writer(store) as session, session.begin():
        done = session.execute(delete(AckRow).where(AckRow.entry_id == entry_id))
        return bool(getattr(done, "rowcount", 0))


def entry_states(store: Store) -> dict[int, EntryState]:
    with Session(store.engine) as session:
        return _load_states(session)
