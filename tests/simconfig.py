"""Settings for checks against the simulated web, shared by the test modules."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from crawler.config import CheckConfig, Config
from crawler.simweb.server import SimWeb


def sim_config(sim: SimWeb, tmp: Path, **check: object) -> Config:
    """Fast, sealed settings: only the simulated web resolves."""
    base = CheckConfig(
        host_map=sim.host_map(),
        resolve_unmapped=False,
        ca_bundle=str(sim.ca_pem_path),
        per_host_delay=0.0,
        per_host_concurrency=2,
        timeout=2.0,
        retries=2,
        retry_backoff=0.1,
        retry_after_cap=5.0,
        workers=2,
        recheck_delay=0.0,
    )
    return Config(
        db=f"sqlite:///{tmp / 'lw.db'}",
        out=str(tmp / "out"),
        check=dataclasses.replace(base, **check),
    )  # type: ignore[arg-type]
