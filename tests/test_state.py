"""The state rules across runs, table-driven: what a maintainer is told, and when.

Each case is a sequence of nightly results for one entry; after each night we expect the
entry's state and the digest lines it produces (the difference between two snapshots).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from crawler.model import CheckResult, Status
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

H, S, B = State.HEALTHY, State.SUSPECT, State.BROKEN
NB, RC, RD, BL = (
    Change.NEWLY_BROKEN,
    Change.RECOVERED,
    Change.NEWLY_REDIRECTED,
    Change.NEWLY_BLOCKED,
)

REASONS = {
    Status.OK: "ok",
    Status.REDIRECTED: "permanent_redirect",
    Status.BROKEN: "http_404",
    Status.TRANSIENT: "timeout",
    Status.BLOCKED: "forbidden",
    Status.INVALID: "invalid_url",
}


def night(status: Status, *, confirmed: bool = False, final_url: str | None = None) -> CheckResult:
    return CheckResult(
        entry_id=1,
        url="https://e.example/",
        requested_url="https://e.example/",
        status=status,
        reason=REASONS[status],
        advice="",
        final_url=final_url,
        confirmed=confirmed,
    )


OK = night(Status.OK)
GONE = night(Status.BROKEN, confirmed=True)  # 404 seen again by the in-run re-check
GONE_ONCE = night(Status.BROKEN)  # 404, but the re-check did not agree (or did not run)
SLOW = night(Status.TRANSIENT)
WALL = night(Status.BLOCKED)
BAD_URL = night(Status.INVALID)


def moved(to: str) -> CheckResult:
    return night(Status.REDIRECTED, final_url=to)


@dataclass
class Case:
    name: str
    nights: list[CheckResult]
    expect: list[tuple[State, list[Change]]]
    rules: Rules = field(default_factory=Rules)


CASES = [
    Case(
        "a confirmed 404 is broken only when the next run confirms it",
        [GONE, GONE, GONE],
        [(S, []), (B, [NB]), (B, [])],
    ),
    Case(
        "a confirmed 404 that works the next night was a hiccup: nobody is told",
        [GONE, OK],
        [(S, []), (H, [])],
    ),
    Case(
        "a 404 the re-check did not confirm counts as a transient failure",
        [GONE_ONCE, GONE_ONCE, GONE_ONCE],
        [(S, []), (S, []), (B, [NB])],
    ),
    Case(
        "timeouts become broken after three runs in a row",
        [SLOW, SLOW, SLOW, SLOW],
        [(S, []), (S, []), (B, [NB]), (B, [])],
    ),
    Case(
        "two timeouts and then an answer: nothing to report",
        [SLOW, SLOW, OK, SLOW, SLOW],
        [(S, []), (S, []), (H, []), (S, []), (S, [])],
    ),
    Case(
        "transient_runs is configurable",
        [SLOW, SLOW, SLOW, SLOW, SLOW],
        [(S, []), (S, []), (S, []), (S, []), (B, [NB])],
        Rules(confirm_runs=2, transient_runs=5),
    ),
    Case(
        "confirm_runs = 1 trusts the in-run re-check alone",
        [GONE],
        [(B, [NB])],
        Rules(confirm_runs=1, transient_runs=3),
    ),
    Case(
        "confirm_runs = 3 waits for a third confirmed run",
        [GONE, GONE, GONE],
        [(S, []), (S, []), (B, [NB])],
        Rules(confirm_runs=3, transient_runs=5),
    ),
    Case(
        "recovery from broken is reported once",
        [GONE, GONE, OK, OK],
        [(S, []), (B, [NB]), (H, [RC]), (H, [])],
    ),
    Case(
        "broken, then moved: recovered and newly redirected",
        [GONE, GONE, moved("https://new.example/")],
        [(S, []), (B, [NB]), (H, [RC, RD])],
    ),
    Case(
        "a broken entry stays broken through other failures without new alerts",
        [GONE, GONE, SLOW, GONE_ONCE, GONE],
        [(S, []), (B, [NB]), (B, []), (B, []), (B, [])],
    ),
    Case(
        "a timeout between two confirmed 404s still adds up to three failing runs",
        [GONE, SLOW, GONE],
        [(S, []), (S, []), (B, [NB])],
    ),
    Case(
        "blocked never triggers a broken alert; its own line comes once",
        [WALL, WALL, WALL, WALL, WALL],
        [(H, [BL]), (H, []), (H, []), (H, []), (H, [])],
    ),
    Case(
        "blocked again after working is news again",
        [WALL, OK, WALL],
        [(H, [BL]), (H, []), (H, [BL])],
    ),
    Case(
        "a blocked night neither confirms nor breaks a hard-failure streak",
        [GONE, WALL, GONE],
        [(S, []), (S, [BL]), (B, [NB])],
    ),
    Case(
        "a new redirect target is announced once; the same one is not repeated",
        [moved("https://a.example/"), moved("https://a.example/"), moved("https://b.example/")],
        [(H, [RD]), (H, []), (H, [RD])],
    ),
    Case(
        "a redirect that went away and came back is news again",
        [moved("https://a.example/"), OK, moved("https://a.example/")],
        [(H, [RD]), (H, []), (H, [RD])],
    ),
    Case(
        "an invalid register URL is the register's own mistake: broken at once",
        [BAD_URL, BAD_URL],
        [(B, [NB]), (B, [])],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_state_rules(case: Case) -> None:
    assert len(case.nights) == len(case.expect)
    state = EntryState()
    seen = []
    for result in case.nights:
        after = advance(state, result, case.rules)
        seen.append((after.state, changes(state, after)))
        state = after
    assert seen == case.expect


def test_changes_over_several_runs_are_the_net_difference() -> None:
    # Runs processed together (the service was down, or a check ran by hand): a link that
    # broke and recovered in between says nothing; one that broke says so once.
    start = EntryState()
    flapping = start
    for result in (GONE, GONE, OK):
        flapping = advance(flapping, result, Rules())
    assert changes(start, flapping) == []
    broke = start
    for result in (OK, GONE, GONE):
        broke = advance(broke, result, Rules())
    assert changes(start, broke) == [NB]


@pytest.mark.parametrize(("confirm", "transient"), [(0, 3), (2, 0), (-1, -1)])
def test_thresholds_below_one_are_refused(confirm: int, transient: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Rules(confirm, transient)


NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
ACKED = Evidence("broken", "http_404", "https://e.example/")


@pytest.mark.parametrize(
    ("latest", "until", "expected"),
    [
        (ACKED, None, AckStatus.ACTIVE),
        (None, None, AckStatus.ACTIVE),  # no new result: nothing changed
        (ACKED, NOW + timedelta(days=1), AckStatus.ACTIVE),
        (ACKED, NOW, AckStatus.EXPIRED),
        (ACKED, NOW - timedelta(days=1), AckStatus.EXPIRED),
        (Evidence("broken", "http_410", "https://e.example/"), None, AckStatus.CHANGED),
        (Evidence("transient", "timeout", None), None, AckStatus.CHANGED),
        (Evidence("broken", "http_404", "https://e.example/x"), None, AckStatus.CHANGED),
        (Evidence("ok", "ok", "https://e.example/"), NOW - timedelta(days=1), AckStatus.CHANGED),
    ],
)
def test_an_acknowledgement_lasts_until_the_date_or_a_change(
    latest: Evidence | None, until: datetime | None, expected: AckStatus
) -> None:
    assert ack_status(Ack(1, ACKED, until), latest, NOW) is expected
