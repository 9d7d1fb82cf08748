"""``python -m crawler.simweb``: run the simulated web for a demo until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys

from crawler.simweb.load import LoadWorld
from crawler.simweb.server import RequestRecord, SimWeb, WorldName, quiet_exception_handler


def _print_request(rec: RequestRecord) -> None:
    print(
        f"{rec.listener:7} {rec.scheme:5} {rec.status:3} {rec.method:4} "
        f"{rec.host}{rec.target}  [{rec.user_agent[:40]}]",
        flush=True,
    )


async def _run(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(quiet_exception_handler)
    me = asyncio.current_task()
    if me is not None:  # SIGTERM (a demo script stopping us) cleans up like Ctrl-C does
        loop.add_signal_handler(signal.SIGTERM, me.cancel)
    worlds: list[WorldName] = [w for w in args.world if w in ("scenarios", "register")]
    load = (
        LoadWorld(hosts=args.load_hosts, urls=args.load_urls, latency_ms=args.latency_ms)
        if "load" in args.world
        else None
    )
    sim = SimWeb(
        worlds,
        load_world=load,
        port_base=args.port_base,
        log_requests=False,
        on_request=None if args.quiet else _print_request,
    )
    async with sim:
        info = {
            "http_port": sim.http_port,
            "https_port": sim.https_port,
            "bad_tls_port": sim.bad_tls_port,
            "raw_http_port": sim.raw_http_port,
            "raw_https_port": sim.raw_https_port,
            "refused_port": sim.refused_port,
            "ca_pem_path": str(sim.ca_pem_path),
            "host_map": sim.host_map(),
        }
        print(json.dumps(info, indent=2, ensure_ascii=False), flush=True)
        first = next(iter(sim.scenarios), None)
        if first is not None:
            from yarl import URL

            u = URL(first.url)
            port = u.port or (443 if u.scheme == "https" else 80)
            target = sim.host_map().get(f"{u.raw_host}:{port}", "")
            print(
                f"\ntry: curl --cacert {sim.ca_pem_path} --connect-to "
                f"{u.raw_host}:{port}:{target} '{first.url}'",
                flush=True,
            )
        print(f"\n{len(sim.scenarios)} scenarios; Ctrl-C to stop.", flush=True)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(args.duration)  # bounded: a demo, not a service


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m crawler.simweb", description=__doc__)
    p.add_argument(
        "--world",
        action="append",
        choices=("scenarios", "register", "load"),
        help="world(s) to serve; repeatable (default: scenarios and register)",
    )
    p.add_argument(
        "--port-base",
        type=int,
        default=None,
        help="http on N, https on N+1, self-signed N+2, raw N+3/N+4, refused N+5",
    )
    p.add_argument("--load-hosts", type=int, default=50)
    p.add_argument("--load-urls", type=int, default=10_000)
    p.add_argument("--latency-ms", type=float, default=20)
    p.add_argument("--duration", type=float, default=8 * 3600, help="seconds before exiting")
    p.add_argument("--quiet", action="store_true", help="do not print each request")
    args = p.parse_args(argv)
    args.world = args.world or ["scenarios", "register"]
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
