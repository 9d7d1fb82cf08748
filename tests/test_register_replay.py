"""The whole register, replayed against the simulated web under its real host names (through
the host map): every one of the 94 entries gets the verdict its simulated site was built to
produce. And the same register on a machine without internet: inconclusive, not 94 broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.check import run_check
from crawler.config import CheckConfig, Config
from crawler.model import Status
from crawler.register import load_register
from crawler.simweb.server import SimWeb
from crawler.store.api import Store

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "register_seed.csv"


@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "worker-processes"])
def test_the_whole_register_gets_the_expected_verdicts(tmp_path: Path, workers: int) -> None:
    loaded = load_register(SEED, strict=True)
    assert len(loaded.entries) == 94
    with SimWeb(worlds=("register",)).start_in_thread() as sim:
        config = Config(
            db=f"sqlite:///{tmp_path / 'replay.db'}",
            check=CheckConfig(
                host_map=sim.host_map(),
                resolve_unmapped=False,
                ca_bundle=str(sim.ca_pem_path),
                per_host_delay=0.0,
                timeout=3.0,
                retry_backoff=0.1,
                retry_after_cap=5.0,
                recheck_delay=0.0,
                workers=workers,
            ),
        )
        store = Store.open(config.db_url)
        store.sync_register(loaded.entries, source=SEED.name)
        outcome = run_check(
            config, store, store.active_entries(), register=str(SEED), out_dir=tmp_path / "out"
        )
        expected = sim.expected_verdicts()

    assert outcome.state == "complete"
    assert len(outcome.results) == 94
    wrong = [
        f"{r.entry_id} {r.url}: got {r.status.value}/{r.reason}, built for {expected[r.url]}"
        for r in outcome.results
        if (r.status.value, r.reason) != expected[r.url]
        and not (expected[r.url][1] is None and r.status.value == expected[r.url][0])
    ]
    assert not wrong, "\n".join(wrong)
    # every kind the register world was built with shows up
    assert {r.status for r in outcome.results} >= {
        Status.OK,
        Status.REDIRECTED,
        Status.BROKEN,
        Status.BLOCKED,
        Status.TRANSIENT,
    }
    # the register's shared URL (watwat.be) gave both entries a result
    assert sum(r.url == "https://www.watwat.be/" for r in outcome.results) == 2


def test_the_real_register_without_internet_is_inconclusive(tmp_path: Path) -> None:
    # No host map and no name resolution: what this machine sees of the real web.
    config = Config(
        db=f"sqlite:///{tmp_path / 'offline.db'}",
        check=CheckConfig(resolve_unmapped=False, per_host_delay=0.0, recheck_delay=0.0),
    )
    loaded = load_register(SEED, strict=True)
    store = Store.open(config.db_url)
    store.sync_register(loaded.entries, source=SEED.name)
    outcome = run_check(
        config, store, store.active_entries(), register=str(SEED), out_dir=tmp_path / "out"
    )
    assert outcome.state == "inconclusive"
    assert "network" in outcome.message and "no link was judged broken" in outcome.message
    assert Status.BROKEN.value not in outcome.counts
    assert outcome.counts == {"transient": 94}
    assert outcome.exit_code == 3
