"""An entry's state across runs, and what counts as news. Pure functions, no I/O.

One run's verdict is evidence, not a conclusion. Following the monitors people trust
(Uptime Kuma alerts on UP->DOWN and DOWN->UP only; WordPress Broken Link Checker keeps
temporary errors as warnings for a while; InternetArchiveBot calls a link dead only after
several failed checks days apart), an entry moves between three states:

- ``healthy``: answering, or never seen failing;
- ``suspect``: failing, but not yet long enough to bother anyone;
- ``broken``: failing for good; the maintainers are told once, and again when it recovers.

A hard failure (status ``broken``: 404, 410, unknown host, refused, ...) must be confirmed
twice: by the in-run re-check (``CheckResult.confirmed``) and by the next run
(``Rules.confirm_runs`` consecutive confirmed runs). Anything else that fails (transient
errors, or a hard failure the re-check did not see again) needs ``Rules.transient_runs``
consecutive failing runs. ``blocked`` is never evidence of death: it neither moves the state
nor breaks a streak, and only earns its own "newly blocked" line. ``invalid`` (the register
URL itself cannot be requested) is the register's own text, not the network: broken at once.

What the digest reports is the difference between two snapshots (``changes``), so several
runs processed together, or a link flapping within them, give one net answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from crawler.model import CheckResult, Status


class State(StrEnum):
    HEALTHY = "healthy"
    SUSPECT = "suspect"
    BROKEN = "broken"


class Change(StrEnum):
    """A line of the digest, in the order the digest shows them."""

    NEWLY_BROKEN = "newly_broken"
    RECOVERED = "recovered"
    NEWLY_REDIRECTED = "newly_redirected"
    NEWLY_BLOCKED = "newly_blocked"
    UNMUTED = "unmuted"  # an acknowledgement ended (date passed or the result changed)


@dataclass(frozen=True, slots=True)
class Rules:
    """The thresholds (config ``[alerts]``)."""

    confirm_runs: int = 2  # consecutive runs with a confirmed hard failure -> broken
    transient_runs: int = 3  # consecutive runs failing in any way -> broken

    def __post_init__(self) -> None:
        if self.confirm_runs < 1 or self.transient_runs < 1:
            raise ValueError("alerts.confirm_runs and alerts.transient_runs must be at least 1")


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a result says, for telling "the same problem" from "something changed"."""

    status: str
    reason: str
    final_url: str | None

    @classmethod
    def of(cls, result: CheckResult) -> Evidence:
        return cls(Status(result.status).value, result.reason, result.final_url)


@dataclass(frozen=True, slots=True)
class EntryState:
    """One entry's standing after the runs seen so far."""

    state: State = State.HEALTHY
    failures: int = 0  # consecutive runs failing in any way (blocked runs do not count)
    hard_failures: int = 0  # consecutive runs with a confirmed hard failure
    redirect_url: str | None = None  # the redirect target already announced
    blocked: bool = False  # "newly blocked" already announced
    evidence: Evidence | None = None  # the latest result


HEALTHY_ANSWERS = frozenset({Status.OK, Status.REDIRECTED})


def advance(prev: EntryState, result: CheckResult, rules: Rules) -> EntryState:
    """The entry's state after one more complete run's ``result``."""
    status = Status(result.status)
    evidence = Evidence.of(result)
    if status in HEALTHY_ANSWERS:
        # A redirect target is announced once; an ok answer forgets it, so the same
        # redirect coming back later is news again.
        redirect = result.final_url if status is Status.REDIRECTED else None
        return EntryState(State.HEALTHY, 0, 0, redirect, False, evidence)
    if status is Status.BLOCKED:
        return replace(prev, blocked=True, evidence=evidence)
    failures = prev.failures + 1
    if status is Status.INVALID:
        return replace(
            prev,
            state=State.BROKEN,
            failures=failures,
            hard_failures=prev.hard_failures + 1,
            evidence=evidence,
        )
    hard = prev.hard_failures + 1 if status is Status.BROKEN and result.confirmed else 0
    if prev.state is State.BROKEN:
        state = State.BROKEN  # stays broken until a healthy answer
    elif hard >= rules.confirm_runs or failures >= rules.transient_runs:
        state = State.BROKEN
    else:
        state = State.SUSPECT
    return replace(prev, state=state, failures=failures, hard_failures=hard, evidence=evidence)


def changes(before: EntryState, after: EntryState) -> list[Change]:
    """What the maintainers should hear about, going from ``before`` to ``after``."""
    found: list[Change] = []
    if after.state is State.BROKEN and before.state is not State.BROKEN:
        found.append(Change.NEWLY_BROKEN)
    if before.state is State.BROKEN and after.state is State.HEALTHY:
        found.append(Change.RECOVERED)
    if after.redirect_url and after.redirect_url != before.redirect_url:
        found.append(Change.NEWLY_REDIRECTED)
    if after.blocked and not before.blocked:
        found.append(Change.NEWLY_BLOCKED)
    return found


class AckStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"  # the date passed
    CHANGED = "changed"  # the evidence changed: another status, reason or final URL


@dataclass(frozen=True, slots=True)
class Ack:
    """A maintainer's "we know": mutes the entry until ``until`` or until the evidence
    differs from ``evidence``, whichever comes first."""

    entry_id: int
    evidence: Evidence
    until: datetime | None = None
    note: str | None = None


def ack_status(ack: Ack, latest: Evidence | None, now: datetime) -> AckStatus:
    if latest is not None and latest != ack.evidence:
        return AckStatus.CHANGED
    if ack.until is not None and now >= ack.until:
        return AckStatus.EXPIRED
    return AckStatus.ACTIVE
