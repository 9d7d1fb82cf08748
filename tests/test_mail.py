"""Real SMTP on loopback: STARTTLS or implicit TLS on a test CA, AUTH, the outbox, and
header injection. Every assertion is on what the server actually received."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_scheduler_support import SMTP_PASSWORD, SMTP_USER, SmtpServer, smtp_server

from crawler.config import ConfigError, SmtpConfig
from crawler.store.api import Store
from crawler.store.models import OutboxRow
from scheduler.mail import (
    Attachment,
    Mailer,
    MailError,
    build_message,
    clean_text,
    enqueue,
    flush_outbox,
    parse_addresses,
)

SENDER = "linkwacht <linkwacht@igvm.example>"


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with smtp_server(tmp_path) as server:
        yield server


def smtp_config(server: SmtpServer, **changes: object) -> SmtpConfig:
    config = SmtpConfig(
        host="127.0.0.1",
        port=server.port,
        security="tls" if server.implicit_tls else "starttls",
        user=SMTP_USER,
        sender=SENDER,
        maintainers="an@igvm.example, bert@igvm.example",
        administrators="admin@igvm.example",
        timeout=5.0,
        ca_bundle=str(server.ca_file),
    )
    return dataclasses.replace(config, **changes)  # type: ignore[arg-type]


def a_message(recipients: list[str], subject: str = "linkwacht: 1 newly broken") -> EmailMessage:
    return build_message(
        sender=SENDER,
        recipients=recipients,
        subject=subject,
        text="Newly broken (1)\n[7] Brochure\n",
        html="<p>Newly broken (1)</p><p>[7] Brochure</p>",
        attachments=[Attachment("linkwacht-report-run-3.html", b"<html>report</html>")],
    )


def test_starttls_and_login_deliver_both_parts_and_the_attachment(smtp: SmtpServer) -> None:
    mailer = Mailer(smtp_config(smtp), password=SMTP_PASSWORD)
    mailer.send_now(a_message(mailer.maintainers))

    (got,) = smtp.wait_for(1)
    assert got.tls and got.authenticated
    assert got.mail_from == "linkwacht@igvm.example"
    assert got.rcpt_tos == ["an@igvm.example", "bert@igvm.example"]
    assert got.subject == "linkwacht: 1 newly broken"
    assert str(got.message["From"]) == SENDER
    assert "[7] Brochure" in got.part("plain")
    assert "<p>[7] Brochure</p>" in got.part("html")
    assert got.attachments() == {"linkwacht-report-run-3.html": b"<html>report</html>"}


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_delivers(tmp_path: Path) -> None:
    with smtp_server(tmp_path, implicit_tls=True) as server:
        mailer = Mailer(smtp_config(server), password=SMTP_PASSWORD)
        mailer.send_now(a_message(["admin@igvm.example"]))
        (got,) = server.wait_for(1)
    assert got.tls and got.authenticated and got.rcpt_tos == ["admin@igvm.example"]


def test_a_wrong_password_is_refused_and_said_so(smtp: SmtpServer) -> None:
    mailer = Mailer(smtp_config(smtp), password="wrong")
    with pytest.raises(MailError, match="535"):
        mailer.send_now(a_message(["an@igvm.example"]))
    assert smtp.received == []


def test_an_untrusted_certificate_is_refused(smtp: SmtpServer) -> None:
    mailer = Mailer(smtp_config(smtp, ca_bundle=""), password=SMTP_PASSWORD)
    with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED"):
        mailer.send_now(a_message(["an@igvm.example"]))
    assert smtp.received == []


def test_a_page_title_cannot_inject_a_header_or_markup(smtp: SmtpServer) -> None:
    from scheduler import templates

    evil = 'Brochure\r\nBcc: thief@evil.example\r\n<script>alert("x")</script>'
    subject = f"linkwacht: newly broken: {evil}"
    html = templates.render_html(
        "notice.html", lang="en", subject=subject, paragraphs=[f"Page title: {evil}"]
    )
    msg = build_message(
        sender='Link "Wacht"\r\nX-Evil: 1 <linkwacht@igvm.example>',
        recipients=["an@igvm.example"],
        subject=subject,
        text=f"Page title: {clean_text(evil)}",
        html=html,
    )
    Mailer(smtp_config(smtp), password=SMTP_PASSWORD).send_now(msg)

    (got,) = smtp.wait_for(1)
    assert got.rcpt_tos == ["an@igvm.example"]  # no smuggled Bcc recipient
    headers = got.data.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")
    names = [line.split(":", 1)[0].lower() for line in headers if not line[:1].isspace()]
    assert "bcc" not in names and "x-evil" not in names
    assert got.message["Bcc"] is None
    assert got.subject.startswith("linkwacht: newly broken: Brochure Bcc: thief@evil.example")
    assert "\n" not in got.subject and "\r" not in got.subject
    body = got.part("html")
    assert "<script>" not in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body


@pytest.mark.parametrize(
    ("raw", "limit", "expected"),
    [
        ("plain title", None, "plain title"),
        ("two\r\nlines", None, "two lines"),
        ("tab\tand\x00nul", None, "tab and nul"),
        ("line\u2028separator\u2029para", None, "line separator para"),
        ("  spaced   out  ", None, "spaced out"),
        ("a" * 20, 10, "aaaaaaaaa…"),
    ],
)
def test_clean_text(raw: str, limit: int | None, expected: str) -> None:
    assert clean_text(raw, limit) == expected


@pytest.mark.parametrize(
    ("changes", "password", "message"),
    [
        ({"security": "ssl"}, "x", "smtp.security: expected one of starttls, tls, none"),
        ({"security": "none"}, "x", "would send the password unencrypted"),
        ({}, None, "LINKWACHT_SMTP_PASSWORD is not"),
        ({"sender": ""}, "x", "smtp.sender"),
        ({"maintainers": "an@", "administrators": ""}, "x", "smtp.maintainers: 'an@'"),
        ({"maintainers": "", "administrators": ""}, "x", "nobody to write to"),
    ],
)
def test_mail_settings_that_cannot_work_are_refused(
    smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    changes: dict[str, str],
    password: str | None,
    message: str,
) -> None:
    monkeypatch.delenv("LINKWACHT_SMTP_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match=message):
        Mailer(smtp_config(smtp, **changes), password=password)


def test_the_password_comes_from_the_environment(
    smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINKWACHT_SMTP_PASSWORD", SMTP_PASSWORD)
    Mailer(smtp_config(smtp)).send_now(a_message(["an@igvm.example"]))
    assert smtp.wait_for(1)[0].authenticated


def test_recipients_fall_back_to_each_other(smtp: SmtpServer) -> None:
    only_admin = Mailer(smtp_config(smtp, maintainers=""), password="x")
    assert only_admin.maintainers == ["admin@igvm.example"]
    only_maintainers = Mailer(smtp_config(smtp, administrators=""), password="x")
    assert only_maintainers.administrators == ["an@igvm.example", "bert@igvm.example"]
    assert parse_addresses("A <a@x.be>, b@y.be", "s") == ["a@x.be", "b@y.be"]
    with pytest.raises(ConfigError, match="line break"):
        parse_addresses("a@x.be\r\nBcc: c@z.be", "smtp.maintainers")


def test_the_outbox_keeps_what_could_not_be_sent_and_sends_it_once(
    tmp_path: Path, db_url: str
) -> None:
    server = SmtpServer(tmp_path)  # not started: the mail server is down
    mailer = Mailer(smtp_config(server), password=SMTP_PASSWORD)
    with Store.open(db_url) as store:
        with Session(store.engine) as session, session.begin():
            enqueue(
                session,
                kind="digest",
                msg=a_message(mailer.maintainers),
                run_id=None,
                now=datetime.now(UTC),
            )

        down = flush_outbox(store.engine, mailer)
        assert (down.sent, down.pending) == (0, 1)
        assert down.error is not None and "cannot connect" in down.error
        with Session(store.engine) as session:
            row = session.scalars(select(OutboxRow)).one()
            assert (row.attempts, row.sent_at) == (1, None)
            assert row.last_error and "cannot connect" in row.last_error

        server.start()
        try:
            up = flush_outbox(store.engine, mailer)
            again = flush_outbox(store.engine, mailer)
        finally:
            server.stop()
        assert (up.sent, up.pending) == (1, 0)
        assert (again.sent, again.pending) == (0, 0)
        (got,) = server.received
        assert got.rcpt_tos == ["an@igvm.example", "bert@igvm.example"]
        assert got.attachments() == {"linkwacht-report-run-3.html": b"<html>report</html>"}


def test_a_refused_message_does_not_hold_up_the_others(tmp_path: Path, db_url: str) -> None:
    with smtp_server(tmp_path) as server, Store.open(db_url) as store:
        mailer = Mailer(smtp_config(server), password=SMTP_PASSWORD)
        with Session(store.engine) as session, session.begin():
            for to in (["nobody@igvm.example"], ["an@igvm.example"]):
                enqueue(session, kind="digest", msg=a_message(to), run_id=None,
                        now=datetime.now(UTC))  # fmt: skip

        report = flush_outbox(store.engine, mailer)

        assert (report.sent, report.pending) == (1, 1)
        assert [r.rcpt_tos for r in server.received] == [["an@igvm.example"]]
        with Session(store.engine) as session:
            kept = session.scalars(select(OutboxRow).where(OutboxRow.sent_at.is_(None))).one()
            assert kept.recipients == ["nobody@igvm.example"]
            assert kept.last_error is not None and "550" in kept.last_error
