"""Markdown to sanitised HTML: Python-Markdown does not sanitise, so nh3 always runs after it."""

import markdown
import nh3

_TAGS = (nh3.ALLOWED_TAGS - {"img"}) | {"table", "thead", "tbody", "tr", "th", "td"}
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
)


def render_markdown(text: str | None) -> str:
    """Markdown source to HTML that is safe to put in a page."""
    if not text:
        return ""
    raw = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])
    return _CLEANER.clean(raw)
