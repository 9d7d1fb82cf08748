"""Hosts take turns: which register URL a worker checks next."""

from __future__ import annotations

import asyncio

import pytest

from crawler.fetch.turns import HostTurns, host_key

A1, A2, A3 = "https://a.be/1", "https://a.be/2", "https://A.be/3"
B1, C1 = "https://b.be/1", "http://c.be:8080/1"


def take_all(turns: HostTurns) -> list[str]:
    taken = []
    while (got := turns.take()) is not None:
        taken.append(got[1])
    return taken


@pytest.mark.parametrize(
    ("urls", "per_host", "first_round"),
    [
        # One at a time per host: each host's first URL, then nothing until one is done.
        ([A1, A2, A3, B1, C1], 1, [A1, B1, C1]),
        # Two per host: a host's second URL waits for the other hosts' first.
        ([A1, A2, A3, B1, C1], 2, [A1, B1, C1, A2]),
        # Room for all: register order within a host, hosts in turn.
        ([A1, A2, A3, B1, C1], 10, [A1, B1, C1, A2, A3]),
        ([], 1, []),
    ],
)
def test_hosts_take_turns_up_to_their_share(
    urls: list[str], per_host: int, first_round: list[str]
) -> None:
    turns = HostTurns(urls, per_host)
    assert take_all(turns) == first_round
    assert len(turns) == len(urls) - len(first_round)


def test_a_host_at_its_share_gets_its_turn_again_when_one_is_done() -> None:
    turns = HostTurns([A1, A2, A3, B1], per_host=1)
    assert take_all(turns) == [A1, B1]
    turns.done("b.be")  # b has nothing left: a is still at its share
    assert turns.take() is None
    turns.done("a.be")
    assert take_all(turns) == [A2]
    turns.done("a.be")
    assert take_all(turns) == [A3]
    assert len(turns) == 0


def test_next_waits_for_a_host_to_free_and_ends_when_nothing_is_left() -> None:
    async def scenario() -> None:
        turns = HostTurns([A1, A2], per_host=1)
        got = await turns.next()
        assert got == ("a.be", A1)
        waiting = asyncio.ensure_future(turns.next())
        await asyncio.sleep(0.01)
        assert not waiting.done()  # a.be is at its share
        turns.done("a.be")
        second = await asyncio.wait_for(waiting, 1.0)
        assert second == ("a.be", A2)
        turns.done("a.be")
        assert await asyncio.wait_for(turns.next(), 1.0) is None

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://WWW.Example.BE/a", "www.example.be"),
        ("http://c.be:8080/1", "c.be"),
        ("http://[::1]:8080/", "::1"),
        ("http://[::1/", ""),  # no URL a request could be made of
        ("mailto:x@y.be", ""),
    ],
)
def test_host_key(url: str, host: str) -> None:
    assert host_key(url) == host


def test_a_share_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="per_host"):
        HostTurns([A1], per_host=0)


def test_a_spider_given_no_urls_ends_at_once() -> None:
    from crawler.config import CheckConfig
    from crawler.fetch.spider import CheckSpider

    spider = CheckSpider(urls=[], sink=lambda *_: None, check=CheckConfig())

    async def requests() -> list[object]:
        return [request async for request in spider.start()]

    assert asyncio.run(asyncio.wait_for(requests(), 5.0)) == []
