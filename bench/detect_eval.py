"""Precision and recall of crawler.detect on the labelled case set (tests/data/detect/cases).

    python bench/detect_eval.py            # the table, and every case that came out wrong
    python bench/detect_eval.py --verbose  # also every case's evidence
    python bench/detect_eval.py --timing   # also ms per page for parsing and detecting

Each case is run the way the crawl runs it: the title and language come from the extractor
(crawler.extract.extract_html), the probe answer is the one for ``probe_url(url, token)``,
videos are judged from the watch page and, when recorded, the oEmbed answer. Offline.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.detect import (  # noqa: E402
    Detection,
    DriftNote,
    PageFacts,
    detect_page,
    drift,
    judge_oembed,
    parse_html,
    probe_url,
    snapshot,
    video_id,
    watch_page_unavailable,
)
from crawler.extract import extract_html  # noqa: E402

CASES_DIR = ROOT / "tests" / "data" / "detect" / "cases"
LABELS = frozenset(
    {"soft_404", "parked", "live", "home", "moved", "drifted", "video_live", "video_deleted"}
)
NOT_BROKEN = frozenset({"live", "home", "moved", "drifted", "video_live"})
# label -> the Detection.reason that finds it
REASON_OF = {
    "soft_404": "soft_404",
    "parked": "parked_domain",
    "video_deleted": "video_unavailable",
}


@dataclass(frozen=True)
class Case:
    id: str
    label: str
    page: PageFacts
    language: str | None
    probe: PageFacts | None
    hops_hosts: tuple[str, ...]
    first: PageFacts | None
    first_language: str | None
    register_title: str
    oembed: tuple[int, bytes] | None
    note: str


@dataclass(frozen=True)
class Outcome:
    case: Case
    detection: Detection | None
    note: DriftNote | None

    @property
    def predicted(self) -> str | None:
        """The label the detectors give ("drifted" for a drift note), None for none."""
        if self.detection is not None:
            for label, reason in REASON_OF.items():
                if reason == self.detection.reason:
                    return label
        return "drifted" if self.note is not None else None

    @property
    def correct(self) -> bool:
        label = self.case.label
        if label in REASON_OF:
            return self.predicted == label
        if label == "drifted":
            return self.detection is None and self.note is not None
        return self.predicted is None


def _facts(
    url: str, final_url: str, status: int, redirected: bool, body: bytes, content_type: str
) -> tuple[PageFacts, str | None]:
    """Facts as the crawl builds them, and the extractor's language."""
    extraction = extract_html(body, content_type_charset=None, content_language=None)
    page = PageFacts.from_body(
        requested_url=url,
        final_url=final_url,
        status=status,
        redirected=redirected,
        content_type=content_type,
        charset=None,
        body=body,
        title=extraction.title,
    )
    return page, extraction.language


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    manifest: dict[str, Any] = tomllib.loads((directory / "cases.toml").read_text("utf-8"))
    token: str = manifest["token"]
    cases: list[Case] = []
    seen: set[str] = set()
    for raw in manifest["case"]:
        case_id, label = raw["id"], raw["label"]
        if label not in LABELS or case_id in seen:
            raise ValueError(f"bad case {case_id!r}: label {label!r} or duplicate id")
        seen.add(case_id)
        url: str = raw["url"]
        final_url: str = raw.get("final_url", url)
        redirected: bool = raw.get("redirected", final_url != url)
        content_type: str = raw.get("content_type", "text/html")
        page, language = _facts(
            url,
            final_url,
            raw.get("status", 200),
            redirected,
            (directory / raw["file"]).read_bytes(),
            content_type,
        )
        hops: list[str] = raw.get("hops", [url] if redirected else [])

        probe = None
        if "probe" in raw:
            spec = raw["probe"]
            target = spec.get("url") or probe_url(url, token)
            if target is None:
                raise ValueError(f"case {case_id!r}: no probe URL for {url}")
            body = (directory / spec["file"]).read_bytes() if "file" in spec else b""
            probe_final = spec.get("final_url", target)
            probe, _ = _facts(
                target,
                probe_final,
                spec.get("status", 200),
                probe_final != target,
                body,
                "text/html",
            )

        first = first_language = None
        if "first" in raw:
            first, first_language = _facts(
                url, url, 200, False, (directory / raw["first"]).read_bytes(), "text/html"
            )
        oembed = None
        if "oembed_status" in raw:
            oembed = (int(raw["oembed_status"]), str(raw.get("oembed_body", "")).encode())
        cases.append(
            Case(
                id=case_id,
                label=label,
                page=page,
                language=language,
                probe=probe,
                hops_hosts=tuple(_host(h) for h in hops),
                first=first,
                first_language=first_language,
                register_title=raw.get("register_title", ""),
                oembed=oembed,
                note=raw.get("note", ""),
            )
        )
    return cases


def run_case(case: Case) -> Outcome:
    page = case.page
    if video_id(page.requested_url) is not None:
        detection = watch_page_unavailable(page)
        if detection is None and case.oembed is not None:
            detection = judge_oembed(*case.oembed)
    else:
        detection = detect_page(page, probe=case.probe, hops_hosts=case.hops_hosts)
    note = None
    if case.first is not None:
        note = drift(
            snapshot(case.first, case.first_language),
            snapshot(page, case.language),
            case.register_title,
        )
    return Outcome(case, detection, note)


@dataclass(frozen=True)
class Score:
    label: str
    true_positives: int
    predicted: int
    actual: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.actual if self.actual else 1.0


def score(outcomes: Sequence[Outcome], label: str) -> Score:
    if label == "drifted":  # judged among the cases that have a first-seen page
        pool = [o for o in outcomes if o.case.first is not None]
        hits = [o.note is not None for o in pool]
    else:
        pool = list(outcomes)
        hits = [o.predicted == label for o in pool]
    actual = [o.case.label == label for o in pool]
    true_positives = sum(h and a for h, a in zip(hits, actual, strict=True))
    return Score(label, true_positives, sum(hits), sum(actual))


def live_called_broken(outcomes: Sequence[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.case.label in NOT_BROKEN and o.detection is not None]


def _best_ms(function: Callable[[], object], repeat: int = 7, number: int = 5) -> float:
    """The best of ``repeat`` rounds, in ms per call: the figure least disturbed by other
    processes on a shared machine (as timeit recommends)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - start) / number)
    return best * 1000


def _fifty_kb(text: str) -> str:
    """A ~50 KB page made from a case page: its body repeated inside one document."""
    head, _, tail = text.partition("<body")
    body = "<body" + tail
    return head + body[: body.rfind("</body>")] * (51_200 // len(body) + 1)


def _timing(cases: Sequence[Case]) -> str:
    pages = [_fifty_kb(c.page.html) for c in cases if len(c.page.html) > 2000]
    parse = sorted(_best_ms(functools.partial(parse_html, t, "https://example.be/")) for t in pages)

    def detect_all() -> None:
        for case in cases:  # fresh facts: nothing parsed yet
            page = dataclasses.replace(case.page)
            detect_page(page, probe=case.probe, hops_hosts=case.hops_hosts)
            snapshot(page, case.language)

    per_case = _best_ms(detect_all, repeat=5, number=1) / len(cases)
    size = sum(len(t) for t in pages) / len(pages) / 1024
    return (
        f"parse_html, {len(pages)} pages of ~{size:.0f} KB: "
        f"median {parse[len(parse) // 2]:.2f} ms, max {parse[-1]:.2f} ms; "
        "detect_page + snapshot per case page (parse included): "
        f"{per_case:.2f} ms"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--verbose", action="store_true", help="print every case's evidence")
    parser.add_argument("--timing", action="store_true", help="measure ms per page")
    args = parser.parse_args(argv)

    cases = load_cases()
    outcomes = [run_case(c) for c in cases]
    counts: dict[str, int] = {}
    for case in cases:
        counts[case.label] = counts.get(case.label, 0) + 1
    print(f"{len(cases)} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"{'class':<18} {'precision':>9} {'recall':>7}   (TP / predicted / actual)")
    for label, name in (
        ("soft_404", "soft_404"),
        ("parked", "parked"),
        ("video_deleted", "video_unavailable"),
        ("drifted", "drifted"),
    ):
        s = score(outcomes, label)
        print(
            f"{name:<18} {s.precision:9.2f} {s.recall:7.2f}   "
            f"({s.true_positives} / {s.predicted} / {s.actual})"
        )
    broken = live_called_broken(outcomes)
    print(f"live pages called broken: {len(broken)}")

    wrong = [o for o in outcomes if not o.correct]
    for outcome in outcomes if args.verbose else wrong:
        mark = "ok  " if outcome.correct else "MISS"
        found = outcome.detection.reason if outcome.detection else "-"
        drifted = f" drift {outcome.note.score}" if outcome.note else ""
        print(f"{mark} {outcome.case.id} [{outcome.case.label}] -> {found}{drifted}")
        if not outcome.correct:
            print(f"       {outcome.case.note}")
        evidence = (outcome.detection.evidence if outcome.detection else ()) + (
            outcome.note.evidence if outcome.note else ()
        )
        for line in evidence:
            print(f"       - {line}")
    if args.timing:
        print(_timing(cases))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
