"""French dates and numbers for templates, through Babel (the machine has no French locale)."""

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal

from directory.messages import FIELD_LABELS


def register_filters(app: Flask) -> None:
    """Register the |date_fr, |datetime_fr, |field_label and |number_fr template filters."""

    @app.template_filter("date_fr")
    def date_fr(value: date | datetime | None, fmt: str = "d MMMM y") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return format_datetime(value, fmt)
        return format_date(value, fmt)

    @app.template_filter("datetime_fr")
    def datetime_fr(value: datetime | None) -> str:
        return "" if value is None else format_datetime(value, "d MMMM y 'à' HH'h'mm")

    @app.template_filter("field_label")
    def field_label(key: str) -> str:
        return FIELD_LABELS.get(key, key)

    @app.template_filter("number_fr")
    def number_fr(value) -> str:
        return format_decimal(value)
