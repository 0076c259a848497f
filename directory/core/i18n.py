"""French dates and numbers for templates, through Babel (the machine has no French locale)."""

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal

from directory.messages import FIELD_LABELS


def register_filters(app: Flask) -> None:
    """Register the |date_fr, |datetime_fr, |fact_date, |field_label and |number_fr filters."""

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

    @app.template_filter("fact_date")
    def fact_date_filter(value: str | None) -> str:
        return fact_date(value)

    @app.template_filter("field_label")
    def field_label(key: str) -> str:
        return FIELD_LABELS.get(key, key)

    @app.template_filter("number_fr")
    def number_fr(value) -> str:
        return format_decimal(value)


def fact_date(value: str | None) -> str:
    """Word a fact's date as precise as it is: "2015", "octobre 2022", "19 avril 2015"."""
    if not value:
        return ""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return str(parts[0])
    if len(parts) == 2:
        return format_date(date(parts[0], parts[1], 1), "MMMM y")
    return format_date(date(*parts), "d MMMM y")
