"""The e-mails' phrases in Dutch, French and English (config ``lang``).

A small dictionary rather than gettext: the e-mails say few things. The advice per
result (what to do about a 404, a bot wall, a redirect) comes from the report's own
translations (``reports.i18n.Words``) when that package is installed, so that the e-mail and
the report say the same thing in the same words; without it, a generic sentence per change.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from crawler.model import CheckResult

log = logging.getLogger("linkwacht.alerts")

LANGS = ("nl", "fr", "en")

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "intro": "linkwacht checked the register (run {run}, {when}). What changed:",
        "intro_many": "linkwacht checked the register (runs {runs}, last on {when}). What changed:",
        "newly_broken": "Newly broken",
        "recovered": "Recovered",
        "newly_redirected": "Newly redirected: update the register",
        "newly_blocked": "Newly blocked: a person should look",
        "unmuted": "No longer acknowledged",
        "do_newly_broken": "Find the resource's new address, or remove the entry from the "
        "register.",
        "do_recovered": "Nothing to do: the link works again.",
        "do_newly_redirected": "Replace the register's URL with the suggested URL.",
        "do_newly_blocked": "The site refuses automated checks. Open the link in a browser to "
        "see whether it still works.",
        "do_unmuted_changed": "The result changed since it was acknowledged.",
        "do_unmuted_expired": "The acknowledgement ran until {until}.",
        "n_newly_broken": "{n} newly broken",
        "n_recovered": "{n} recovered",
        "n_newly_redirected": "{n} newly redirected",
        "n_newly_blocked": "{n} newly blocked",
        "n_unmuted": "{n} no longer acknowledged",
        "one_subject": "{what}: {title}",
        "entry": "Entry",
        "url": "URL",
        "result": "Result",
        "suggested": "Suggested URL",
        "page_title": "Page title",
        "note": "Note",
        "colon": ": ",
        "report_attached": "The full report is attached.",
        "report_link": "Full report: {url}",
        "footer": "You receive this e-mail because you look after the register. linkwacht "
        "writes only when something changed. To stop hearing about an entry for a while, ask "
        "the administrator to acknowledge it (linkwacht ack ENTRY_ID).",
        "outage_subject": "could not reach the internet",
        "outage_body": "The check (run {run}, {when}) could not reach the internet, so no "
        "link was judged and no alert was sent to the maintainers.\n\n{message}\n\nYou get "
        "this notice once: linkwacht keeps running on schedule and writes to the maintainers "
        "again as soon as a run gets through.",
        "failure_subject": "the scheduled check failed",
        "failure_body": "The scheduled check did not finish ({when}).\n\n{message}\n\nThe "
        "service keeps running and tries again at the next scheduled time. The log file "
        "{log_file} has the details. You get this notice once, until a check succeeds again.",
        "summary_subject": "weekly summary",
        "summary_intro": "Weekly summary (run {run}, {when}): {total} links checked, nothing "
        "new since the last e-mail.",
        "summary_all_fine": "Every link works.",
        "summary_broken": "Broken",
        "summary_blocked": "Blocked (a person should look)",
        "summary_redirected": "Redirected (update the register)",
        "summary_suspect": "{n} more link(s) failed recently and are being watched.",
        "test_subject": "test message",
        "test_body": "This is a test message from linkwacht. If you read this, the mail "
        "settings work.",
    },
    "nl": {
        "intro": "linkwacht controleerde het register (run {run}, {when}). Wat is er veranderd:",
        "intro_many": "linkwacht controleerde het register (runs {runs}, laatst op {when}). "
        "Wat is er veranderd:",
        "newly_broken": "Nieuw kapot",
        "recovered": "Hersteld",
        "newly_redirected": "Nieuw doorverwezen: pas het register aan",
        "newly_blocked": "Nieuw geblokkeerd: iemand moet kijken",
        "unmuted": "Niet langer bevestigd",
        "do_newly_broken": "Zoek het nieuwe adres van de bron, of haal de vermelding uit het "
        "register.",
        "do_recovered": "Niets te doen: de link werkt weer.",
        "do_newly_redirected": "Vervang de URL in het register door de voorgestelde URL.",
        "do_newly_blocked": "De site weigert automatische controles. Open de link in een "
        "browser om te zien of hij nog werkt.",
        "do_unmuted_changed": "Het resultaat is veranderd sinds de bevestiging.",
        "do_unmuted_expired": "De bevestiging liep tot {until}.",
        "n_newly_broken": "{n} nieuw kapot",
        "n_recovered": "{n} hersteld",
        "n_newly_redirected": "{n} nieuw doorverwezen",
        "n_newly_blocked": "{n} nieuw geblokkeerd",
        "n_unmuted": "{n} niet langer bevestigd",
        "one_subject": "{what}: {title}",
        "entry": "Vermelding",
        "url": "URL",
        "result": "Resultaat",
        "suggested": "Voorgestelde URL",
        "page_title": "Paginatitel",
        "note": "Notitie",
        "colon": ": ",
        "report_attached": "Het volledige rapport zit in de bijlage.",
        "report_link": "Volledig rapport: {url}",
        "footer": "U krijgt deze e-mail omdat u het register beheert. linkwacht schrijft "
        "alleen als er iets veranderd is. Wilt u een tijd niets meer horen over een "
        "vermelding, vraag de beheerder van de server ze te bevestigen (linkwacht ack "
        "ENTRY_ID).",
        "outage_subject": "geen internetverbinding",
        "outage_body": "De controle (run {run}, {when}) kon het internet niet bereiken. Er "
        "werd dus geen enkele link beoordeeld en de beheerders kregen geen melding.\n\n"
        "{message}\n\nU krijgt dit bericht één keer: linkwacht blijft volgens schema draaien "
        "en schrijft de beheerders weer zodra een run lukt.",
        "failure_subject": "de geplande controle is mislukt",
        "failure_body": "De geplande controle is niet afgerond ({when}).\n\n{message}\n\nDe "
        "dienst blijft draaien en probeert het opnieuw op het volgende geplande tijdstip. Het "
        "logbestand {log_file} bevat de details. U krijgt dit bericht één keer, tot een "
        "controle weer lukt.",
        "summary_subject": "wekelijks overzicht",
        "summary_intro": "Wekelijks overzicht (run {run}, {when}): {total} links "
        "gecontroleerd, niets nieuws sinds de vorige e-mail.",
        "summary_all_fine": "Alle links werken.",
        "summary_broken": "Kapot",
        "summary_blocked": "Geblokkeerd (iemand moet kijken)",
        "summary_redirected": "Doorverwezen (pas het register aan)",
        "summary_suspect": "Nog {n} link(s) faalden recent en worden in het oog gehouden.",
        "test_subject": "testbericht",
        "test_body": "Dit is een testbericht van linkwacht. Als u dit leest, werken de "
        "e-mailinstellingen.",
    },
    "fr": {
        "intro": "linkwacht a vérifié le registre (passage {run}, {when}). Ce qui a changé :",
        "intro_many": "linkwacht a vérifié le registre (passages {runs}, le dernier le "
        "{when}). Ce qui a changé :",
        "newly_broken": "Nouvellement cassés",
        "recovered": "Rétablis",
        "newly_redirected": "Nouvellement redirigés : mettre à jour le registre",
        "newly_blocked": "Nouvellement bloqués : une personne doit vérifier",
        "unmuted": "Plus pris en compte",
        "do_newly_broken": "Trouvez la nouvelle adresse de la ressource, ou retirez l'entrée "
        "du registre.",
        "do_recovered": "Rien à faire : le lien fonctionne à nouveau.",
        "do_newly_redirected": "Remplacez l'URL du registre par l'URL proposée.",
        "do_newly_blocked": "Le site refuse les vérifications automatiques. Ouvrez le lien "
        "dans un navigateur pour voir s'il fonctionne encore.",
        "do_unmuted_changed": "Le résultat a changé depuis la prise en compte.",
        "do_unmuted_expired": "La prise en compte courait jusqu'au {until}.",
        "n_newly_broken": "{n} nouvellement cassé(s)",
        "n_recovered": "{n} rétabli(s)",
        "n_newly_redirected": "{n} nouvellement redirigé(s)",
        "n_newly_blocked": "{n} nouvellement bloqué(s)",
        "n_unmuted": "{n} plus pris en compte",
        "one_subject": "{what} : {title}",
        "entry": "Entrée",
        "url": "URL",
        "result": "Résultat",
        "suggested": "URL proposée",
        "page_title": "Titre de la page",
        "note": "Note",
        "colon": " : ",  # French typography: a space before the colon
        "report_attached": "Le rapport complet est joint.",
        "report_link": "Rapport complet : {url}",
        "footer": "Vous recevez cet e-mail parce que vous gérez le registre. linkwacht "
        "n'écrit que lorsque quelque chose a changé. Pour ne plus être averti d'une entrée "
        "pendant un temps, demandez à l'administrateur du serveur de la prendre en compte "
        "(linkwacht ack ENTRY_ID).",
        "outage_subject": "pas d'accès à internet",
        "outage_body": "La vérification (passage {run}, {when}) n'a pas pu joindre internet : "
        "aucun lien n'a été jugé et aucune alerte n'a été envoyée aux gestionnaires.\n\n"
        "{message}\n\nVous recevez cet avis une seule fois : linkwacht continue selon "
        "l'horaire et écrira de nouveau aux gestionnaires dès qu'un passage aboutit.",
        "failure_subject": "la vérification planifiée a échoué",
        "failure_body": "La vérification planifiée ne s'est pas terminée ({when}).\n\n"
        "{message}\n\nLe service continue et réessaiera à la prochaine heure prévue. Le "
        "journal {log_file} contient les détails. Vous recevez cet avis une seule fois, "
        "jusqu'à ce qu'une vérification réussisse de nouveau.",
        "summary_subject": "résumé hebdomadaire",
        "summary_intro": "Résumé hebdomadaire (passage {run}, {when}) : {total} liens "
        "vérifiés, rien de nouveau depuis le dernier e-mail.",
        "summary_all_fine": "Tous les liens fonctionnent.",
        "summary_broken": "Cassés",
        "summary_blocked": "Bloqués (une personne doit vérifier)",
        "summary_redirected": "Redirigés (mettre à jour le registre)",
        "summary_suspect": "{n} autre(s) lien(s) ont échoué récemment et sont surveillés.",
        "test_subject": "message de test",
        "test_body": "Ceci est un message de test de linkwacht. Si vous le lisez, les "
        "paramètres de messagerie fonctionnent.",
    },
}

# Verdict reasons in words (the stored advice sentences are English).
REASONS: dict[str, dict[str, str]] = {
    "en": {
        "http_404": "page not found (404)",
        "http_410": "page removed (410)",
        "dns_unresolved": "the host name does not exist",
        "connection_refused": "the server refuses connections",
        "redirect_loop": "redirects in a loop",
        "too_many_redirects": "too many redirects",
        "timeout": "no answer in time",
        "connection_reset": "connection cut off",
        "network_down": "network down",
        "forbidden": "access refused (403)",
        "auth_required": "login required (401)",
        "rate_limited": "too many requests (429)",
        "robots_disallowed": "robots.txt forbids checking",
        "challenge_page": "bot check page",
        "tls_certificate": "certificate problem",
        "permanent_redirect": "moved permanently",
        "meta_refresh": "moved (meta refresh)",
        "invalid_url": "the register's URL is malformed",
        "unsupported_scheme": "not a web address",
        "ok": "works",
        "temporary_redirect": "works (temporary redirect)",
        "http": "HTTP {code}",
    },
    "nl": {
        "http_404": "pagina niet gevonden (404)",
        "http_410": "pagina verwijderd (410)",
        "dns_unresolved": "de domeinnaam bestaat niet",
        "connection_refused": "de server weigert verbindingen",
        "redirect_loop": "verwijst in een kringetje door",
        "too_many_redirects": "te veel doorverwijzingen",
        "timeout": "geen antwoord binnen de tijd",
        "connection_reset": "verbinding verbroken",
        "network_down": "netwerk onbereikbaar",
        "forbidden": "toegang geweigerd (403)",
        "auth_required": "aanmelden vereist (401)",
        "rate_limited": "te veel verzoeken (429)",
        "robots_disallowed": "robots.txt verbiedt controle",
        "challenge_page": "pagina met botcontrole",
        "tls_certificate": "probleem met het certificaat",
        "permanent_redirect": "permanent verhuisd",
        "meta_refresh": "verhuisd (meta refresh)",
        "invalid_url": "de URL in het register is ongeldig",
        "unsupported_scheme": "geen webadres",
        "ok": "werkt",
        "temporary_redirect": "werkt (tijdelijke doorverwijzing)",
        "http": "HTTP {code}",
    },
    "fr": {
        "http_404": "page introuvable (404)",
        "http_410": "page supprimée (410)",
        "dns_unresolved": "le nom de domaine n'existe pas",
        "connection_refused": "le serveur refuse les connexions",
        "redirect_loop": "redirige en boucle",
        "too_many_redirects": "trop de redirections",
        "timeout": "pas de réponse à temps",
        "connection_reset": "connexion interrompue",
        "network_down": "réseau injoignable",
        "forbidden": "accès refusé (403)",
        "auth_required": "connexion requise (401)",
        "rate_limited": "trop de requêtes (429)",
        "robots_disallowed": "robots.txt interdit la vérification",
        "challenge_page": "page de contrôle anti-robot",
        "tls_certificate": "problème de certificat",
        "permanent_redirect": "déplacé définitivement",
        "meta_refresh": "déplacé (meta refresh)",
        "invalid_url": "l'URL du registre est invalide",
        "unsupported_scheme": "pas une adresse web",
        "ok": "fonctionne",
        "temporary_redirect": "fonctionne (redirection temporaire)",
        "http": "HTTP {code}",
    },
}


def report_advice(lang: str, result: CheckResult, suggested: str | None) -> str | None:
    """The report's translated advice for ``result`` (optional: None without ``reports``)."""
    try:
        module: Any = importlib.import_module("reports.i18n")
        words = module.Words(lang)
        advice = words.advice(result, suggested)
    except ImportError:
        return None
    except Exception:  # another package's bug must not stop an alert
        log.warning("reports.i18n could not word the advice; using the generic one", exc_info=True)
        return None
    return advice if isinstance(advice, str) and advice.strip() else None


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        from crawler.config import ConfigError

        raise ConfigError(f"lang: expected one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def phrase(lang: str, key: str, **values: object) -> str:
    text = PHRASES.get(lang, PHRASES["en"]).get(key) or PHRASES["en"][key]
    return text.format(**values) if values else text


def describe_reason(lang: str, reason: str, http_status: int | None = None) -> str:
    """``http_404`` -> "pagina niet gevonden (404)"; unknown reasons stay as they are."""
    table = REASONS.get(lang, REASONS["en"])
    if reason in table:
        return table[reason]
    if reason.startswith("http_") and reason[5:].isdigit():
        return table["http"].format(code=reason[5:])
    if http_status is not None:
        return f"{reason} (HTTP {http_status})"
    return reason
