"""Helpers for the scheduler, alert and mail tests (no tests here).

- ``SmtpServer``: a real SMTP server (aiosmtpd) on loopback, with STARTTLS (or implicit
  TLS) on a certificate from a test CA (trustme) and AUTH LOGIN/PLAIN; it keeps what it
  received, envelope and all.
- ``FAKE_CHECK``: a stand-in for ``linkwacht check`` run as the service's child process. It
  records a run with the results a plan file asks for, and can sleep, crash, exit with a
  code or ignore SIGTERM, so the service's handling of each case is tested for real.
"""

from __future__ import annotations

import email
import json
import socket
import ssl
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from crawler.config import Config, load_config
from crawler.model import CheckResult, Entry, Status
from crawler.store.api import RunState, Store

SMTP_USER, SMTP_PASSWORD = "linkwacht", "s3cret-pass"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    authenticated: bool
    tls: bool

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        assert isinstance(body, EmailMessage)
        return str(body.get_content())

    def attachments(self) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for part in self.message.iter_attachments():
            assert isinstance(part, EmailMessage)
            data = part.get_payload(decode=True)
            assert isinstance(data, bytes)
            found[str(part.get_filename())] = data
        return found


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("nobody@"):  # a mailbox that does not exist
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        self.received.append(
            Received(
                str(envelope.mail_from),
                list(envelope.rcpt_tos),
                data,
                bool(session.authenticated),
                # STARTTLS sets session.ssl; an implicitly wrapped socket only shows here
                session.ssl is not None
                or server.transport.get_extra_info("ssl_object") is not None,
            )
        )
        return "250 Message accepted for delivery"


def _authenticator(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


class SmtpServer:
    """Start with ``start()``, stop with ``stop()``; the port stays the same across
    restarts so that a test can take the server down and bring it back."""

    def __init__(self, ca_dir: Path, *, implicit_tls: bool = False) -> None:
        self.ca = trustme.CA()
        self.ca_file = ca_dir / "smtp-test-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(self.server_context)
        self.implicit_tls = implicit_tls
        self.port = free_port()
        self.handler = _Handler()
        self.controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> SmtpServer:
        options: dict[str, Any] = {
            "hostname": "127.0.0.1",
            "port": self.port,
            "authenticator": _authenticator,
            "auth_required": True,
        }
        if self.implicit_tls:
            # aiosmtpd cannot tell an implicitly wrapped socket from plain text.
            options.update(ssl_context=self.server_context, auth_require_tls=False)
        else:
            options.update(tls_context=self.server_context, require_starttls=True)
        self.controller = Controller(self.handler, **options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def smtp_toml(self, **extra: str) -> str:
        values = {
            "host": "127.0.0.1",
            "port": str(self.port),
            "security": "tls" if self.implicit_tls else "starttls",
            "user": SMTP_USER,
            "sender": "linkwacht <linkwacht@igvm.example>",
            "maintainers": "an@igvm.example, bert@igvm.example",
            "administrators": "admin@igvm.example",
            "ca_bundle": str(self.ca_file),
            "timeout": "5.0",
        }
        values.update(extra)
        lines = ["[smtp]"]
        for key, value in values.items():
            lines.append(f"{key} = {value}" if key in ("port", "timeout") else f'{key} = "{value}"')
        return "\n".join(lines) + "\n"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received


@contextmanager
def smtp_server(tmp: Path, *, implicit_tls: bool = False) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp, implicit_tls=implicit_tls).start()
    try:
        yield server
    finally:
        server.stop()


# -- the register and runs ------------------------------------------------------------

ENTRIES = [
    Entry(1, "Informeren", "Brochures", "Brochure over online geweld", "https://a.example/b"),
    Entry(2, "Informeren", "Websites", "Meldpunt", "https://b.example/"),
    Entry(3, "Handelen", "Organisaties", "Organisatie X", "http://c.example/"),
]

RESULT_REASONS = {
    "ok": "ok",
    "redirected": "permanent_redirect",
    "broken": "http_404",
    "transient": "timeout",
    "blocked": "forbidden",
    "invalid": "invalid_url",
}


def result(
    entry_id: int,
    status: str,
    *,
    confirmed: bool = False,
    final_url: str | None = None,
    reason: str | None = None,
    title: str | None = None,
) -> CheckResult:
    entry = next(e for e in ENTRIES if e.id == entry_id)
    code = {"ok": 200, "redirected": 200, "broken": 404, "blocked": 403}.get(status)
    return CheckResult(
        entry_id=entry_id,
        url=entry.url,
        requested_url=entry.url,
        status=Status(status),
        reason=reason or RESULT_REASONS[status],
        advice="(advice)",
        final_url=final_url or entry.url,
        http_status=code,
        title=title,
        confirmed=confirmed,
    )


def record_run(
    store: Store, results: list[CheckResult], state: str = "complete", message: str | None = None
) -> int:
    """A finished run, as `linkwacht check` leaves it."""
    run_id = store.start_run("register.csv")
    store.add_results(run_id, results)
    store.finish_run(run_id, RunState(state), message)
    return run_id


def write_config(tmp: Path, *sections: str, **top: str) -> tuple[Path, Config]:
    values = {
        "db": f"sqlite:///{tmp / 'data' / 'linkwacht.db'}",
        "data_dir": str(tmp / "data"),
        "out": str(tmp / "out"),
        "register": str(tmp / "register.csv"),
        "lang": "en",
    }
    values.update(top)
    text = "".join(f'{k} = "{v}"\n' for k, v in values.items()) + "\n".join(sections)
    path = tmp / "linkwacht.toml"
    path.write_text(text)
    return path, load_config(path, env={})


# -- the fake check ---------------------------------------------------------------------

FAKE_CHECK = r'''
"""Stand-in for `linkwacht check`: usage: fake_check.py PLAN [--config F] [--db URL] check"""
import json, os, signal, sys, time
from pathlib import Path

plan_path = Path(sys.argv[1])
args = sys.argv[2:]
assert args[-1] == "check", args
config_path = args[args.index("--config") + 1] if "--config" in args else None
db = args[args.index("--db") + 1] if "--db" in args else None
calls = plan_path.with_suffix(".calls")
counter = plan_path.with_suffix(".count")


def note(what):
    with calls.open("a") as fh:
        fh.write(f"{what} {os.getpid()}\n")


n = int(counter.read_text()) if counter.exists() else 0
counter.write_text(str(n + 1))
plan = json.loads(plan_path.read_text())
step = plan[min(n, len(plan) - 1)]
note("invoked")
if "exit_early" in step:  # e.g. a configuration error: no run at all
    print("linkwacht: register.csv: file not found", file=sys.stderr)
    sys.exit(step["exit_early"])

from crawler.config import load_config
from crawler.model import CheckResult, Status
from crawler.store.api import RunState, Store

config = load_config(config_path, overrides={"db": db})
store = Store.open(config.db_url)
run_id = store.start_run("register.csv")


def on_term(signum, frame):
    if step.get("ignore_term"):
        note("ignored-sigterm")
        return
    store.abort_run(run_id, "aborted: stopped by a signal before the run finished")
    note("terminated")
    sys.exit(1)


signal.signal(signal.SIGTERM, on_term)
results = [
    CheckResult(
        entry_id=r["entry_id"], url=r["url"], requested_url=r["url"],
        status=Status(r["status"]), reason=r["reason"], advice="(advice)",
        final_url=r.get("final_url") or r["url"], http_status=r.get("http_status"),
        title=r.get("title"), confirmed=r.get("confirmed", False),
    )
    for r in step.get("results", [])
]
store.add_results(run_id, results)
note("started")
print("checked %d/%d" % (len(results), len(results)), flush=True)
deadline = time.monotonic() + step.get("sleep", 0)
while time.monotonic() < deadline:
    time.sleep(0.05)
if step.get("crash"):
    print("Fatal Python error: simulated crash", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
store.finish_run(run_id, RunState(step.get("state", "complete")), step.get("message"))
note("done")
sys.exit(step.get("exit", 0))
'''


class FakeCheck:
    """The plan (one step per invocation, the last one repeating) and what happened."""

    def __init__(self, tmp: Path) -> None:
        self.script = tmp / "fake_check.py"
        self.script.write_text(FAKE_CHECK)
        self.plan_path = tmp / "plan.json"
        self.set_plan([{}])

    @property
    def command(self) -> str:
        return f"{sys.executable} {self.script} {self.plan_path}"

    def set_plan(self, steps: list[dict[str, Any]]) -> None:
        self.plan_path.write_text(json.dumps(steps))
        self.plan_path.with_suffix(".count").unlink(missing_ok=True)

    def calls(self) -> list[str]:
        path = self.plan_path.with_suffix(".calls")
        return [line.split()[0] for line in path.read_text().splitlines()] if path.exists() else []

    def wait_for(self, what: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while what not in self.calls():
            if time.monotonic() > deadline:
                raise AssertionError(f"the fake check never reported {what!r}: {self.calls()}")
            time.sleep(0.02)


def step(*results: CheckResult, **options: Any) -> dict[str, Any]:
    """One invocation of the fake check: these results, then options (sleep, crash...)."""
    rows = [
        {
            "entry_id": r.entry_id,
            "url": r.url,
            "status": r.status.value,
            "reason": r.reason,
            "final_url": r.final_url,
            "http_status": r.http_status,
            "title": r.title,
            "confirmed": r.confirmed,
        }
        for r in results
    ]
    return {"results": rows, **options}


def schedule_toml(fake: FakeCheck, **extra: str | float | int) -> str:
    values: dict[str, str | float | int] = {
        "check_command": fake.command,
        "stop_grace": 5.0,
        "kill_after": 5.0,
    }
    values.update(extra)
    lines = ["[schedule]"]
    for key, value in values.items():
        lines.append(f'{key} = "{value}"' if isinstance(value, str) else f"{key} = {value}")
    return "\n".join(lines) + "\n"
