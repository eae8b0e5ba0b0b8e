"""Render a Digest (or an Alert) as right-to-left Arabic HTML (for email clients) and as plain text (Jinja2)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from reports.alert import Alert
from reports.digest import Digest

HTML_TEMPLATE = "digest.html.j2"
TEXT_TEMPLATE = "digest.txt.j2"
ALERT_HTML_TEMPLATE = "alert.html.j2"
ALERT_TEXT_TEMPLATE = "alert.txt.j2"


@cache
def environment() -> Environment:
    """The templates' environment: autoescaping for .html.j2, none for the plain-text template."""
    return Environment(
        loader=PackageLoader("reports", "templates"),
        # Unknown template kinds are escaped too: only the plain-text template is not.
        autoescape=select_autoescape(enabled_extensions=("html.j2",), disabled_extensions=("txt.j2",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(digest: Digest, chart_cid: str, *, chart_src: str | None = None) -> str:
    """The HTML body; the timeline image is cid:`chart_cid` (`chart_src` overrides it, e.g. a data: URI)."""
    return environment().get_template(HTML_TEMPLATE).render(d=digest, chart_src=chart_src or f"cid:{chart_cid}")


def render_text(digest: Digest) -> str:
    """The plain-text alternative of the digest."""
    return environment().get_template(TEXT_TEMPLATE).render(d=digest)


def subject_for(digest: Digest) -> str:
    """The message subject (Arabic; the caller sanitises it before it becomes a header)."""
    start, end = digest.period_start.strftime("%Y-%m-%d"), digest.period_end.strftime("%Y-%m-%d")
    if digest.is_empty:
        return f"رصد: لا تغطية جديدة ({digest.topic}، {start} — {end})"
    c = digest.counts
    return f"رصد: تغطية جديدة — المقالات {c.articles}، وسائل الإعلام {c.outlets} ({digest.topic}، {start} — {end})"


def render_alert_html(alert: Alert) -> str:
    """The alert's HTML body (the digest's article cards; no images)."""
    return environment().get_template(ALERT_HTML_TEMPLATE).render(al=alert)


def render_alert_text(alert: Alert) -> str:
    """The plain-text alternative of the alert."""
    return environment().get_template(ALERT_TEXT_TEMPLATE).render(al=alert)
