r"""The report's own words in Dutch, French and English.

Gettext catalogues (``locale/<lang>/LC_MESSAGES/linkwacht.po``) are the single source: they
are compiled in memory on first use with Babel (``read_po`` + ``write_mo``), so a clean clone
or ``pip install -e .`` works without a build step and a stale ``.mo`` can never shadow an
edited ``.po``. Templates use them through ``jinja2.ext.i18n``; Python code through
``Words`` below.

Updating the catalogues after adding or changing a message (from the repository root), then
translating the new ``msgstr`` entries of nl and fr (English needs none)::

    pybabel extract -F reports/babel.cfg -o reports/messages.pot -w 100 --no-location \
        --sort-output --project linkwacht reports
    pybabel update -i reports/messages.pot -d reports/locale -D linkwacht -w 100 \
        --no-fuzzy-matching --ignore-obsolete

tests/test_report_units.py fails until every message is in every catalogue and translated.

Verdict names, run states and the advice per ``reason`` are tables keyed by the machine
value, with ``%(name)s`` placeholders, never sentences glued together: word order differs
between the three languages.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from babel import Locale
from babel.dates import format_skeleton, format_time
from babel.localtime import get_localzone
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from crawler.model import CheckResult, Status

LANGS = ("nl", "fr", "en")
DOMAIN = "linkwacht"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


class UnknownLanguage(ValueError):
    """A language other than nl, fr or en was asked for."""


def check_lang(lang: str) -> str:
    lang = (lang or "").strip().lower()
    if lang not in LANGS:
        raise UnknownLanguage(f"unknown report language {lang!r}: use one of {', '.join(LANGS)}")
    return lang


@cache
def translations(lang: str) -> gettext.GNUTranslations:
    """The compiled catalogue of ``lang`` (English too: its ``.po`` may reword a msgid)."""
    lang = check_lang(lang)
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out: half-done is not shown
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


# -- tables keyed by machine values ----------------------------------------------------------

VERDICT_NAMES: Mapping[str, str] = {
    Status.OK: N_("Works"),
    Status.REDIRECTED: N_("Moved"),
    Status.BROKEN: N_("Broken"),
    Status.TRANSIENT: N_("Temporary problem"),
    Status.BLOCKED: N_("Blocked"),
    Status.INVALID: N_("Invalid URL"),
}

# What a maintainer does about each verdict, as a heading of the "needs action" list.
ACTION_HEADINGS: Mapping[str, str] = {
    Status.BROKEN: N_("Broken: replace or remove"),
    Status.INVALID: N_("Invalid URL: correct it in the register"),
    Status.REDIRECTED: N_("Moved: update the register to the new address"),
    Status.BLOCKED: N_("Blocked: a person should look in a browser"),
    Status.TRANSIENT: N_("Temporary problems: checked again next run"),
}

STATE_NAMES: Mapping[str, str] = {
    "complete": N_("complete"),
    "inconclusive": N_("inconclusive"),
    "aborted": N_("aborted"),
    "running": N_("still running"),
}

STATE_SENTENCES: Mapping[str, str] = {
    "complete": N_("Complete: every entry of the register was checked."),
    "inconclusive": N_(
        "Inconclusive: the network of this machine was down during the run, so nothing was "
        "judged broken. The links will be checked again next run."
    ),
    "aborted": N_(
        "Aborted: the run stopped before the end. %(done)s entries were checked; the others "
        "are missing from this report."
    ),
    "running": N_("Still running: this report shows the %(done)s entries checked so far."),
}

# Advice per reason. %(url)s is the suggested address, %(code)s the HTTP status.
ADVICE: Mapping[str, str] = {
    "ok": N_("Works."),
    "temporary_redirect": N_(
        "Works, through a temporary redirect; keep the register URL as it is."
    ),
    "permanent_redirect": N_("Permanent redirect: update the register to %(url)s"),
    "meta_refresh": N_("Page moved (meta refresh): update the register to %(url)s"),
    "http_404": N_(
        "Not found (404): the page is gone or moved. Find its new address or remove this entry."
    ),
    "http_410": N_("Gone (410): remove or replace this entry."),
    "empty_body": N_("The server answers %(code)s but sends an empty page. A person should look."),
    "challenge_page": N_(
        "The site shows a bot check (HTTP %(code)s) instead of the page: robots cannot tell "
        "whether it works. A person should check it in a browser."
    ),
    "auth_required": N_(
        "The page asks for a login (401). Not necessarily dead: a person should look."
    ),
    "forbidden": N_(
        "The site refuses robots (%(code)s). Not necessarily dead: a person should look."
    ),
    "rate_limited": N_(
        "The site asks robots to slow down (429). Not necessarily dead: a person should look."
    ),
    # Dead although the server answers 200 (crawler.detect); the evidence is in the notes.
    "soft_404": N_(
        "The server answers, but with a 'page not found' page. Find the resource's new "
        "address, or remove this entry."
    ),
    "parked_domain": N_(
        "The domain now shows a parking or for-sale page: the organisation no longer runs it. "
        "Find its new site, or remove this entry."
    ),
    "video_unavailable": N_(
        "The video is no longer available. Replace it (the organisation may have published it "
        "again) or remove this entry."
    ),
    "dns_unresolved": N_(
        "The host name does not resolve: the domain may have lapsed or the organisation moved. "
        "Find the resource's new address, or remove this entry."
    ),
    "connection_refused": N_(
        "The server refuses connections: the site is down or gone. Check whether the "
        "organisation still runs it."
    ),
    "redirect_loop": N_(
        "The address redirects in a loop and never reaches a page. Ask the site owner, or "
        "replace the URL."
    ),
    "too_many_redirects": N_(
        "The address redirects too many times without reaching a page. Replace the URL."
    ),
    "timeout": N_(
        "The server did not answer in time, even after several attempts. Usually temporary; "
        "linkwacht checks again next run."
    ),
    "connection_reset": N_(
        "The connection was cut off, even after several attempts. Usually temporary; "
        "linkwacht checks again next run."
    ),
    "protocol_error": N_(
        "The server sent an answer that is not valid HTTP. Checked again next run."
    ),
    "network_error": N_("A network error stopped the check. Checked again next run."),
    "run_time_budget": N_(
        "Not checked: the run's time budget ran out first. Checked again next run."
    ),
    "network_down": N_(
        "Not judged: the network of this machine was down during the run. Checked again next run."
    ),
    "tls_certificate": N_(
        "The site's security certificate is not valid (expired, self-signed or for another "
        "name). Browsers will warn visitors too: a person should look."
    ),
    "tls_error": N_(
        "The secure connection could not be set up. A person should look in a browser."
    ),
    "robots_disallowed": N_(
        "The site's robots.txt asks robots not to visit this address; linkwacht respects that. "
        "A person should check it in a browser."
    ),
    "body_too_large": N_(
        "The server sent more data than linkwacht accepts (a broken or hostile server). "
        "A person should look."
    ),
    "invalid_url": N_("The register URL itself cannot be requested: correct it in the register."),
    "unsupported_scheme": N_(
        "The register URL does not use http or https: correct it in the register."
    ),
}
MINOR_REDIRECT_ADVICE = N_(
    "Minor permanent redirect (only http to https, or a trailing slash): update the register "
    "to %(url)s when convenient."
)
UNSAFE_REDIRECT_ADVICE = N_(
    "The address redirects to %(url)s, which is not a web address. Do not copy it into the "
    "register: a person should look."
)
# ``http_<code>`` reasons not listed above, by family.
HTTP_FAMILY_ADVICE: Mapping[str, str] = {
    "server": N_("Server error (%(code)s). Usually temporary; linkwacht checks again next run."),
    "redirect": N_(
        "The server answers with a redirect (%(code)s) that leads nowhere. Replace the URL."
    ),
    "client": N_("The server refuses this address (%(code)s). Check the URL and replace it."),
    "other": N_("The server answers with an unknown status (%(code)s). A person should look."),
}
_HTTP_REASON = re.compile(r"^http_(\d{3})$")

CHANGE_NAMES: Mapping[str, str] = {
    "url": N_("address"),
    "title": N_("title"),
    "section": N_("section"),
    "category": N_("category"),
    "added": N_("added to the register"),
    "retired": N_("retired from the register"),
    "reactivated": N_("back in the register"),
}

CONTENT_TYPES: Mapping[str, str] = {
    "text/html": N_("Web page"),
    "application/xhtml+xml": N_("Web page"),
    "application/pdf": N_("PDF document"),
    "application/zip": N_("ZIP archive"),
    "application/msword": N_("Word document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": N_("Word document"),
    "application/vnd.ms-excel": N_("Spreadsheet"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": N_("Spreadsheet"),
    "application/vnd.ms-powerpoint": N_("Presentation"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": N_("Presentation"),
    "text/plain": N_("Text"),
}
CONTENT_FAMILIES: Mapping[str, str] = {
    "image": N_("Image"),
    "video": N_("Video"),
    "audio": N_("Audio"),
}


def is_web_url(url: str | None) -> bool:
    """Whether ``url`` may become a link: http(s) only, so a ``javascript:`` or ``data:``
    address from the web is shown as text and never made clickable."""
    if not url:
        return False
    # Browsers drop ASCII whitespace and controls anywhere in a scheme ("java\tscript:");
    # look at the address the way they will.
    squeezed = re.sub(r"[\x00-\x20\x7f]", "", url).lower()
    if not squeezed.startswith(("http://", "https://")):
        return False
    try:
        return urlsplit(url).scheme.lower() in ("http", "https")
    except ValueError:
        return False


class Words:
    """Everything the report says in one language: gettext plus the tables above."""

    def __init__(self, lang: str, tz: tzinfo | None = None) -> None:
        self.lang = check_lang(lang)
        self.translations = translations(self.lang)
        self.locale = Locale.parse(self.lang)
        # Times are shown in this machine's time zone (TZ or /etc/localtime), which is where
        # the maintainers are: a zone with its summer time rules, not today's UTC offset.
        self.tz = tz or get_localzone()

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    # -- names --------------------------------------------------------------------------------

    def verdict(self, status: str) -> str:
        name = VERDICT_NAMES.get(status)
        return self.gettext(name) if name else status

    def action_heading(self, status: str) -> str:
        return self.gettext(ACTION_HEADINGS[status])

    def state(self, state: str) -> str:
        name = STATE_NAMES.get(state)
        return self.gettext(name) if name else state

    def state_sentence(self, state: str, done: int) -> str:
        sentence = STATE_SENTENCES.get(state)
        if sentence is None:
            return state
        return self.gettext(sentence) % {"done": self.number(done)}

    def language(self, code: str | None) -> str:
        if not code:
            return ""
        return str(self.locale.languages.get(code, code))

    def content_type(self, media_type: str | None) -> str:
        if not media_type:
            return ""
        name = CONTENT_TYPES.get(media_type) or CONTENT_FAMILIES.get(media_type.split("/")[0])
        return self.gettext(name) if name else media_type

    # -- numbers and dates --------------------------------------------------------------------

    def number(self, n: int) -> str:
        return format_decimal(n, locale=self.locale)

    def date(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return format_skeleton("yMMMd", moment.astimezone(self.tz), locale=self.locale)

    def short_date(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return format_skeleton("MMMd", moment.astimezone(self.tz), locale=self.locale)

    def datetime(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(self.tz)
        pattern = str(self.locale.datetime_formats["medium"])
        time = format_time(local, "short", locale=self.locale)
        return pattern.replace("{1}", self.date(local)).replace("{0}", time)

    # -- advice -------------------------------------------------------------------------------

    def advice_template(self, result: CheckResult, suggested: str | None) -> str | None:
        """The translated sentence for ``result.reason`` (placeholders still in), or None
        when the reason is one this table does not know. ``suggested``: the address to
        propose for a redirect (http(s) only; see ``reports.data.suggested_url``)."""
        reason = result.reason
        if result.status == Status.REDIRECTED and not is_web_url(suggested):
            return self.gettext(UNSAFE_REDIRECT_ADVICE)
        if result.status == Status.REDIRECTED and result.minor:
            return self.gettext(MINOR_REDIRECT_ADVICE)
        if reason in ADVICE:
            return self.gettext(ADVICE[reason])
        match = _HTTP_REASON.match(reason)
        if match is None:
            return None
        code = int(match.group(1))
        family = (
            "server"
            if result.status == Status.TRANSIENT
            else "redirect"
            if 300 <= code < 400
            else "client"
            if 400 <= code < 500
            else "other"
        )
        return self.gettext(HTTP_FAMILY_ADVICE[family])

    def _advice_values(self, result: CheckResult, suggested: str | None) -> dict[str, str]:
        code = result.http_status
        if code is None and (match := _HTTP_REASON.match(result.reason)):
            code = int(match.group(1))
        return {
            "url": suggested or result.final_url or "",
            "code": "" if code is None else str(code),
        }

    def advice(self, result: CheckResult, suggested: str | None = None) -> str:
        """The advice as plain text (fix lists); the stored English one when the reason is
        unknown here."""
        template = self.advice_template(result, suggested)
        if template is None:
            return result.advice
        return template % self._advice_values(result, suggested)

    def advice_html(self, result: CheckResult, suggested: str | None = None) -> Markup:
        """The advice as HTML: the sentence escaped, the URL in <code> (never a link: the
        suggestion comes from the web and is shown, with a copy button, elsewhere)."""
        template = self.advice_template(result, suggested)
        if template is None:
            return escape(result.advice)
        values = self._advice_values(result, suggested)
        marked = {
            "url": Markup('<code class="url">%s</code>') % values["url"],
            "code": escape(values["code"]),
        }
        return escape(template) % marked
