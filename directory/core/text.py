"""Safe rendering of the Markdown subset allowed in long texts (missions, conditions…)."""

import threading

import markdown
import nh3
import phonenumbers
from flask import Flask
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "h3", "h4"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
_local = threading.local()  # a Markdown converter is reusable, but by one thread at a time


def _converter() -> markdown.Markdown:
    if not hasattr(_local, "converter"):
        _local.converter = markdown.Markdown(extensions=["sane_lists"])
    return _local.converter.reset()


def render_markdown(text: str | None) -> Markup:
    """Render Markdown to HTML, keeping only a safe subset of tags and http(s)/mailto links."""
    if not text:
        return Markup("")
    html = _converter().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def phone_href(number: str | None) -> str:
    """Return the tel: link of a French number (tel:+33…), or of its digits when unparsable."""
    try:
        parsed = phonenumbers.parse(number or "", "FR")
    except phonenumbers.NumberParseException:
        return "tel:" + "".join(ch for ch in number or "" if ch.isdigit() or ch == "+")
    return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def register_filters(app: Flask) -> None:
    """Register the |markdown and |tel_href template filters."""
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(phone_href, "tel_href")
