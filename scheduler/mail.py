"""E-mail: safe messages, real SMTP, and an outbox so that no alert is ever lost.

Every message is rendered once, stored in the ``outbox`` table in the same transaction as the
state change it reports, and sent afterwards; a failed send stays there and is retried on
the next run. Anything that came from the web or the register (a page title, a URL) is
stripped of control characters before it goes into a header, and messages are built with
``email.message.EmailMessage`` and the default policy, which refuses a header that still
holds a line break.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, getaddresses, make_msgid, parseaddr

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from crawler.config import ConfigError, SmtpConfig
from crawler.store.db import WRITE_OPTION
from crawler.store.models import OutboxRow

log = logging.getLogger("linkwacht.mail")

PASSWORD_ENV = "LINKWACHT_SMTP_PASSWORD"
SECURITY_MODES = ("starttls", "tls", "none")
KEEP_SENT = timedelta(days=90)
# The server answered and refused this one message (a recipient, its size...): the others
# may still go out on the same connection. Anything else means the connection is gone.
_REFUSED = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPResponseException,
)  # sent messages are kept this long, for the record
_SPACE = re.compile(r"\s+")


class MailError(Exception):
    """The mail server could not be reached or refused the message."""


def clean_text(value: object, limit: int | None = None) -> str:
    """One line of plain text: control characters (CR, LF, NUL, ...) and line separators
    become spaces, runs of spaces collapse; cut at ``limit`` characters with an ellipsis."""
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in str(value)
    )
    text = _SPACE.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def parse_addresses(value: str, setting: str) -> list[str]:
    """``"a@x.be, Name <b@y.be>"`` -> ``["a@x.be", "b@y.be"]``; a malformed address is a
    ConfigError naming the setting."""
    if any(ch in value for ch in "\r\n"):
        raise ConfigError(f"{setting}: an address list cannot contain a line break")
    found: list[str] = []
    if not value.strip():
        return found
    for _name, address in getaddresses([value]):
        local, at, domain = address.rpartition("@")
        if not at or not local or "." not in domain:
            shown = address or value.strip()
            raise ConfigError(f"{setting}: {shown!r} is not an e-mail address")
        found.append(address)
    return found


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    maintype: str = "text"
    subtype: str = "html"


def build_message(
    *,
    sender: str,
    recipients: Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """A multipart message (text, optionally HTML, attachments) with clean headers."""
    msg = EmailMessage()  # the default policy: a header with CR/LF raises
    name, address = parseaddr(clean_text(sender))
    msg["Subject"] = clean_text(subject, 200)
    msg["From"] = Address(display_name=clean_text(name, 80), addr_spec=address)
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: vacation replies stay quiet
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for item in attachments:
        msg.add_attachment(
            item.data,
            maintype=item.maintype,
            subtype=item.subtype,
            filename=clean_text(item.filename, 100),
        )
    return msg


class Mailer:
    """Sends through the configured server: STARTTLS, implicit TLS or plain (a local
    relay), logging in when ``smtp.user`` is set. Certificates are always verified."""

    def __init__(self, config: SmtpConfig, password: str | None = None) -> None:
        self.config = config
        self.password = password if password is not None else os.environ.get(PASSWORD_ENV)
        self.validate()

    @property
    def enabled(self) -> bool:
        return bool(self.config.host)

    def validate(self) -> None:
        cfg = self.config
        if not cfg.host:
            return
        if cfg.security not in SECURITY_MODES:
            raise ConfigError(
                f"smtp.security: expected one of {', '.join(SECURITY_MODES)}, got {cfg.security!r}"
            )
        if cfg.user and cfg.security == "none":
            raise ConfigError(
                "smtp.security = none would send the password unencrypted: use starttls or "
                "tls, or leave smtp.user empty for a relay without login"
            )
        if cfg.user and not self.password:
            raise ConfigError(f"smtp.user is set but {PASSWORD_ENV} is not")
        if not parseaddr(cfg.sender)[1]:
            raise ConfigError("smtp.sender: set the From address, e.g. linkwacht@example.org")
        parse_addresses(cfg.sender, "smtp.sender")
        maintainers = parse_addresses(cfg.maintainers, "smtp.maintainers")
        administrators = parse_addresses(cfg.administrators, "smtp.administrators")
        if not maintainers and not administrators:
            raise ConfigError("smtp.maintainers or smtp.administrators: nobody to write to")

    @property
    def maintainers(self) -> list[str]:
        """Digest recipients; the administrators when no maintainer is configured."""
        return parse_addresses(self.config.maintainers, "smtp.maintainers") or self.administrators

    @property
    def administrators(self) -> list[str]:
        """Notice recipients; the maintainers when no administrator is configured."""
        found = parse_addresses(self.config.administrators, "smtp.administrators")
        return found or parse_addresses(self.config.maintainers, "smtp.maintainers")

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.config.ca_bundle:
            context.load_verify_locations(cafile=self.config.ca_bundle)
        return context

    @contextmanager
    def connect(self) -> Iterator[smtplib.SMTP]:
        """One logged-in SMTP session; MailError when it cannot be had."""
        cfg = self.config
        try:
            smtp: smtplib.SMTP
            if cfg.security == "tls":
                smtp = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout, context=self._tls_context()
                )
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"cannot connect to {cfg.host}:{cfg.port}: {_describe(exc)}") from exc
        try:
            try:
                smtp.ehlo()
                if cfg.security == "starttls":
                    smtp.starttls(context=self._tls_context())
                    smtp.ehlo()
                if cfg.user:
                    smtp.login(cfg.user, self.password or "")
            except (OSError, smtplib.SMTPException) as exc:
                raise MailError(f"{cfg.host}:{cfg.port}: {_describe(exc)}") from exc
            yield smtp
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def envelope_sender(self) -> str:
        return parseaddr(self.config.sender)[1]

    def send_now(self, msg: EmailMessage) -> None:
        """Send one message at once (``linkwacht schedule --test-mail``), no outbox."""
        recipients = [a for _n, a in getaddresses(msg.get_all("To", []))]
        with self.connect() as smtp:
            _send(smtp, self.envelope_sender(), recipients, as_wire_bytes(msg))


def as_wire_bytes(msg: EmailMessage) -> bytes:
    """The message as SMTP wants it: CRLF line ends (smtplib sends bytes untouched)."""
    return msg.as_bytes(policy=SMTP_POLICY)


def _send(smtp: smtplib.SMTP, sender: str, recipients: Sequence[str], data: bytes) -> None:
    try:
        refused = smtp.sendmail(sender, list(recipients), data)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(_describe(exc)) from exc
    if refused:  # some recipients accepted: the message went out; say who did not get it
        log.warning("the mail server refused some recipients: %s", sorted(refused))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        raw = exc.smtp_error
        detail = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
        return f"{exc.smtp_code} {detail}".strip()
    return str(exc) or type(exc).__name__


# -- the outbox ---------------------------------------------------------------------------


def enqueue(
    session: Session,
    *,
    kind: str,
    msg: EmailMessage,
    run_id: int | None,
    now: datetime,
) -> OutboxRow:
    """Add a rendered message to the outbox, in the caller's transaction."""
    recipients = [a for _n, a in getaddresses(msg.get_all("To", []))]
    row = OutboxRow(
        kind=kind,
        recipients=recipients,
        subject=str(msg["Subject"]),
        message=as_wire_bytes(msg),
        created_at=now,
        run_id=run_id,
        attempts=0,
    )
    session.add(row)
    return row


@dataclass(frozen=True, slots=True)
class FlushReport:
    sent: int
    pending: int
    error: str | None = None


def flush_outbox(engine: Engine, mailer: Mailer, *, now: datetime | None = None) -> FlushReport:
    """Send every unsent message, oldest first, over one connection. A message the server
    refuses, or all of them when it cannot be reached, stay for the next run."""
    now = now or datetime.now(UTC)
    writer = engine.execution_options(**{WRITE_OPTION: True})
    with Session(engine) as session:
        pending = session.scalars(
            select(OutboxRow).where(OutboxRow.sent_at.is_(None)).order_by(OutboxRow.id)
        ).all()
        session.expunge_all()
    if not pending:
        _prune(writer, now)
        return FlushReport(0, 0)
    if not mailer.enabled:
        return FlushReport(0, len(pending), "e-mail is not configured (smtp.host)")
    sent, error = 0, None
    tried: set[int] = set()
    try:
        with mailer.connect() as smtp:
            for row in pending:
                tried.add(row.id)
                try:
                    _send(smtp, mailer.envelope_sender(), row.recipients, row.message)
                except MailError as exc:
                    error = str(exc)
                    _mark(writer, row.id, now, error=error)
                    log.warning(
                        "e-mail %d (%s) not sent, kept for later: %s", row.id, row.subject, error
                    )
                    if isinstance(exc.__cause__, _REFUSED):
                        continue  # this message was refused: the next one may go through
                    break  # the connection is gone: the rest waits too
                _mark(writer, row.id, now, sent=True)
                sent += 1
                log.info("e-mail %d sent to %s: %s", row.id, ", ".join(row.recipients), row.subject)
    except MailError as exc:  # no connection at all
        error = str(exc)
        for row in pending:
            if row.id not in tried:
                _mark(writer, row.id, now, error=error)
        log.warning(
            "%d e-mail(s) not sent, kept in the outbox for the next run: %s",
            len(pending) - sent,
            error,
        )
    _prune(writer, now)
    return FlushReport(sent, len(pending) - sent, error)


def _mark(
    engine: Engine, row_id: int, now: datetime, *, sent: bool = False, error: str | None = None
) -> None:
    values: dict[str, object] = {
        "attempts": OutboxRow.attempts + 1,
        "last_attempt_at": now,
        "last_error": error,
    }
    if sent:
        values["sent_at"] = now
    with Session(engine) as session, session.begin():
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == row_id, OutboxRow.sent_at.is_(None))
            .values(values)
            .execution_options(synchronize_session=False)
        )


def _prune(engine: Engine, now: datetime) -> None:
    with Session(engine) as session, session.begin():
        session.execute(
            delete(OutboxRow)
            .where(OutboxRow.sent_at.is_not(None), OutboxRow.sent_at < now - KEEP_SENT)
            .execution_options(synchronize_session=False)
        )
