"""marshmallow fields and validators that speak French (messages from directory.messages)."""

from marshmallow import Schema, ValidationError, fields, validate

from directory import messages as m


class FrenchSchema(Schema):
    error_messages = {"unknown": m.UNKNOWN_FIELD, "type": m.INVALID_INPUT}


_BASE = {"required": m.REQUIRED, "null": m.NULL, "validator_failed": m.INVALID_VALUE}


class String(fields.String):
    default_error_messages = {
        **_BASE,
        "invalid": m.NOT_A_STRING,
        "invalid_utf8": m.NOT_UTF8,
        "nul": m.NUL_IN_TEXT,
    }

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        # PostgreSQL cannot store it, and no text of a fiche needs it.
        if "\x00" in text:
            raise self.make_error("nul")
        return text


class Integer(fields.Integer):
    default_error_messages = {**_BASE, "invalid": m.NOT_AN_INTEGER, "too_large": m.NUMBER_TOO_LARGE}


class Float(fields.Float):
    default_error_messages = {
        **_BASE,
        "invalid": m.NOT_A_NUMBER,
        "too_large": m.NUMBER_TOO_LARGE,
        "special": m.SPECIAL_NUMBER,
    }


class Boolean(fields.Boolean):
    default_error_messages = {**_BASE, "invalid": m.NOT_A_BOOLEAN}


class List(fields.List):
    default_error_messages = {**_BASE, "invalid": m.NOT_A_LIST}


class Nested(fields.Nested):
    default_error_messages = {**_BASE, "type": m.NOT_AN_OBJECT}


class Email(fields.Email):
    default_error_messages = {**_BASE, "invalid": m.NOT_AN_EMAIL}


class URL(fields.URL):
    default_error_messages = {**_BASE, "invalid": m.NOT_A_URL}


class DateTime(fields.AwareDateTime):
    default_error_messages = {**_BASE, "invalid": m.NOT_A_DATE}


class Date(fields.Date):
    default_error_messages = {**_BASE, "invalid": m.NOT_A_DATE}


class Length(validate.Length):
    message_min = m.LENGTH_MIN
    message_max = m.LENGTH_MAX
    message_all = m.LENGTH_BETWEEN
    message_equal = m.LENGTH_EQUAL

    def __call__(self, value):
        # Say which bound was crossed ("280 caractères au plus"), not both.
        if self.equal is None and self.min is not None and self.max is not None:
            if len(value) > self.max:
                raise ValidationError(self._format_error(value, self.message_max))
            if len(value) < self.min:
                raise ValidationError(self._format_error(value, self.message_min))
        return super().__call__(value)


class Range(validate.Range):
    message_min = m.RANGE_MIN
    message_max = m.RANGE_MAX
    message_all = m.RANGE_BETWEEN
    message_gt = m.RANGE_GT
    message_gte = m.RANGE_GTE
    message_lt = m.RANGE_LT
    message_lte = m.RANGE_LTE


class OneOf(validate.OneOf):
    default_message = m.ONE_OF


def regexp(pattern: str, message: str = m.PATTERN) -> validate.Regexp:
    """Return a pattern validator with a French message."""
    return validate.Regexp(pattern, error=message)
