"""Limits on what a request may carry, checked once for every route before any view runs.

A NUL byte reaches PostgreSQL as an error (text cannot hold it), a huge page number overflows
the OFFSET, a huge query string or body costs memory and time: each is refused here with a
French 400, 413 or 414 instead of failing deep inside a view.
"""

from flask import Flask, current_app, request
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from directory import messages
from directory.core.errors import abort_fr

MAX_PAGE = 10_000  # 200,000 fiches at 20 a page: far past any real listing
MAX_QUERY_STRING = 8_000  # characters of the whole query string
MAX_QUERY_VALUE = 1_000  # characters of one query-string value (free text has its own limit)


def configure(app: Flask) -> None:
    """Refuse NUL bytes and oversized query strings on every request."""
    app.before_request(check_request)


def check_request() -> None:
    """Abort with a French 4xx when the URL or the form carries what the app cannot store."""
    if len(request.query_string) > current_app.config["MAX_QUERY_STRING"]:
        abort_fr(414, messages.QUERY_TOO_LONG)
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and "\x00" in value:
            abort_fr(400, messages.NUL_CHARACTER)
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            abort_fr(400, messages.NUL_CHARACTER)
        if len(value) > MAX_QUERY_VALUE:
            abort_fr(400, messages.QUERY_VALUE_TOO_LONG.format(max=MAX_QUERY_VALUE))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        # Reading the form enforces MAX_CONTENT_LENGTH and MAX_FORM_MEMORY_SIZE (413).
        for key, value in request.form.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort_fr(400, messages.NUL_CHARACTER)


def page_field(label: str = "Page") -> IntegerField:
    """Return the page-number field of list filters: 1 to MAX_PAGE, else a French error."""
    message = messages.PAGE_OUT_OF_RANGE.format(max=MAX_PAGE)
    return IntegerField(
        label, default=1, validators=[Optional(), NumberRange(1, MAX_PAGE, message=message)]
    )


def clamp_page(page: int | None) -> int:
    """Return a page number the database can offset to (1 to MAX_PAGE)."""
    return min(max(page or 1, 1), MAX_PAGE)
