"""Sharding the crawl by host: politeness per host holds, the load is balanced, and the
hosts take turns so none waits behind another's queue."""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.fetch.pool import shard_by_host


def host(url: str) -> str:
    return urlsplit(url).hostname or ""


def test_each_host_lives_in_one_shard_and_shards_are_balanced() -> None:
    urls = [f"https://h{i % 7}.be/p/{i}" for i in range(70)] + [
        f"https://big.be/p/{i}" for i in range(30)
    ]
    shards = shard_by_host(urls, 2)
    assert len(shards) == 2
    hosts = [{host(u) for u in shard} for shard in shards]
    assert not hosts[0] & hosts[1]
    assert sorted(len(s) for s in shards) == [50, 50]
    assert sorted(u for s in shards for u in s) == sorted(urls)


def test_hosts_take_turns_within_a_shard() -> None:
    urls = [f"https://a.be/{i}" for i in range(3)] + [f"https://b.be/{i}" for i in range(3)]
    (shard,) = shard_by_host(urls, 1)
    assert [host(u) for u in shard] == ["a.be", "b.be"] * 3


def test_never_more_shards_than_hosts() -> None:
    assert len(shard_by_host(["https://a.be/1", "https://a.be/2"], 8)) == 1
    assert shard_by_host([], 4) == []
