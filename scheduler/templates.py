"""The e-mails' Jinja2 templates, kept in code so that they ship with the package.

The HTML environment autoescapes everything: a page title such as ``<script>`` arrives as
text. Links are only made for http(s) URLs (``safe_href``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from jinja2 import DictLoader, Environment, StrictUndefined, select_autoescape

TEXT = {
    "digest.txt": """\
{{ intro }}
{% for section in sections %}

{{ section.title }}
{{ "-" * section.title|length }}
{% for item in section.entries %}

[{{ item.entry_id }}] {{ item.title }}
    {{ labels.url }}{{ item.url }}
    {{ labels.result }}{{ item.result }}
{% if item.suggested %}    {{ labels.suggested }}{{ item.suggested }}
{% endif %}{% if item.page_title %}    {{ labels.page_title }}{{ item.page_title }}
{% endif %}{% if item.note %}    {{ labels.note }}{{ item.note }}
{% endif %}{% if item.action %}    -> {{ item.action }}
{% endif %}{% endfor %}{% endfor %}
{% if report_line %}

{{ report_line }}
{% endif %}

--
{{ footer }}
""",
    "notice.txt": """\
{{ body }}
""",
}

HTML = {
    "digest.html": """\
<!DOCTYPE html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: sans-serif; line-height: 1.4; color: #222;">
<p>{{ intro }}</p>
{% for section in sections %}
<h2 style="font-size: 1.1em; margin-top: 1.5em;">{{ section.title }}</h2>
<ul>
{% for item in section.entries %}
<li style="margin-bottom: 0.8em;">
<strong>[{{ item.entry_id }}] {{ item.title }}</strong><br>
{{ labels.url }}{{ item.url|link }}<br>
{{ labels.result }}{{ item.result }}<br>
{% if item.suggested %}{{ labels.suggested }}{{ item.suggested|link }}<br>{% endif %}
{% if item.page_title %}{{ labels.page_title }}{{ item.page_title }}<br>{% endif %}
{% if item.note %}{{ labels.note }}{{ item.note }}<br>{% endif %}
{% if item.action %}<em>{{ item.action }}</em>{% endif %}
</li>
{% endfor %}
</ul>
{% endfor %}
{% if report_url %}<p>{{ report_url|link(report_line) }}</p>
{% elif report_line %}<p>{{ report_line }}</p>{% endif %}
<hr>
<p style="font-size: 0.85em; color: #555;">{{ footer }}</p>
</body>
</html>
""",
    "notice.html": """\
<!DOCTYPE html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: sans-serif; line-height: 1.4; color: #222;">
{% for paragraph in paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}
</body>
</html>
""",
}


def safe_href(url: object) -> str | None:
    """The URL if it is http(s) and has a host; None otherwise (no javascript: links)."""
    text = str(url or "")
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        return None
    return text


def _link(env: Environment) -> Any:
    from markupsafe import Markup, escape

    def link(url: object, text: object = None) -> Markup:
        label = escape(str(text if text is not None else url or ""))
        href = safe_href(url)
        if href is None:
            return Markup(label)
        return Markup('<a href="{}">{}</a>').format(href, label)

    return link


def _environments() -> tuple[Environment, Environment]:
    text = Environment(
        loader=DictLoader(TEXT),
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
    )
    html = Environment(
        loader=DictLoader(HTML),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
    )
    html.filters["link"] = _link(html)
    return text, html


TEXT_ENV, HTML_ENV = _environments()


def render_text(name: str, **context: Any) -> str:
    return TEXT_ENV.get_template(name).render(**context)


def render_html(name: str, **context: Any) -> str:
    return HTML_ENV.get_template(name).render(**context)
