"""The anchor words of each phrase set: a page is searched with the (slow) phrase regex only
when it contains one of them, so a phrase without an anchor would never be found."""

from __future__ import annotations

import importlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.detect.page import Phrases, fold

parked = importlib.import_module("crawler.detect.parked")

PHRASE_SETS = {name: getattr(parked, name) for name in ("_FOR_SALE", "_PLACEHOLDER", "_RELATED")}


def top_level_branches(pattern: str) -> list[str]:
    """The alternatives of a regex's outermost "|" (outside groups and classes)."""
    branches, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            branches.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*branches, pattern[start:]]


CASES = [
    pytest.param(name, branch, id=f"{name}-{n}")
    for name, phrases in PHRASE_SETS.items()
    for n, branch in enumerate(top_level_branches(phrases.pattern.pattern))
]


def test_every_phrase_set_has_branches() -> None:
    assert len(top_level_branches(parked._FOR_SALE.pattern.pattern)) == 18
    assert len(top_level_branches(parked._PLACEHOLDER.pattern.pattern)) == 13


@pytest.mark.parametrize(("name", "branch"), CASES)
def test_every_phrase_contains_an_anchor(name: str, branch: str) -> None:
    phrases: Phrases = PHRASE_SETS[name]

    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(st.from_regex(branch, fullmatch=True))
    def found(text: str) -> None:
        assert phrases.search(f"intro: {text} ...") is not None, text

    found()


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("_FOR_SALE", "Dit domein is te koop: kopen deze domeinnaam vandaag"),
        ("_FOR_SALE", "Ce nom de domaine est à vendre."),
        ("_PLACEHOLDER", "This domain is pending renewal or deletion."),
        ("_RELATED", "Ähnliche Suchen: Versicherung, Kredit"),
    ],
)
def test_phrases_are_found_in_folded_text(name: str, text: str) -> None:
    assert PHRASE_SETS[name].search(fold(text)) is not None


def test_a_text_without_anchors_is_not_searched() -> None:
    # A pattern that would match anything: only the anchors keep it from running.
    everything = Phrases(parked.re.compile(r"."), ("domain",))
    assert everything.search("een gewone pagina over vorming") is None
    assert everything.search("een domain") is not None
