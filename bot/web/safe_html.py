"""The one way mail HTML reaches a page: through nh3 (the Rust ammonia sanitiser).

What survives is structure and text: no script, style, iframe, form or object; no `on*`
event attributes and no inline style (nothing but nh3's per-tag allow list); links only to
http, https and mailto, with rel="noopener noreferrer nofollow". Images are dropped
altogether: a remote image is a tracking pixel (the page's CSP would block it anyway) and an
embedded `cid:` image has nothing to point at here. The page says how many were dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import nh3
from markupsafe import Markup

MAX_HTML_CHARS = 1_000_000
_DROPPED_TAGS = {"img", "map", "area"}
_TAGS = set(nh3.ALLOWED_TAGS) - _DROPPED_TAGS
_CLEAN_CONTENT = {"script", "style", "title", "template", "noscript", "textarea", "select", "iframe", "object", "svg", "math"}
_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items() if tag not in _DROPPED_TAGS}
_SCHEMES = {"http", "https", "mailto"}
_IMG = re.compile(r"<\s*img\b", re.IGNORECASE)


@dataclass(frozen=True)
class SafeHtml:
    html: Markup  # sanitised: safe to place in a page as it is
    images_removed: int
    truncated: bool


def sanitise(html: str) -> SafeHtml:
    """Sanitised HTML of a mail body, marked safe for Jinja2 only after nh3 has cleaned it."""
    truncated = len(html) > MAX_HTML_CHARS
    source = html[:MAX_HTML_CHARS]
    clean = nh3.clean(source, tags=_TAGS, clean_content_tags=_CLEAN_CONTENT - _TAGS, attributes=_ATTRIBUTES,
                      url_schemes=_SCHEMES, link_rel="noopener noreferrer nofollow", strip_comments=True)
    return SafeHtml(html=Markup(clean), images_removed=len(_IMG.findall(source)), truncated=truncated)


__all__ = ["MAX_HTML_CHARS", "SafeHtml", "sanitise"]
