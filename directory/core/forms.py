"""Form helpers shared by every feature's templates."""

from dataclasses import dataclass

# The CSRF token's error is worded by each page (« la page a expiré »); hidden fields have no
# visible field to lead the user to.
_SKIPPED = ("CSRFTokenField",)
_UNLINKED = ("HiddenField",)


@dataclass(frozen=True)
class FieldError:
    """One error of a form, as the error summary lists it: a link to its field."""

    field_id: str | None
    label: str
    message: str


def error_links(form) -> list[FieldError]:
    """Return every error of a form in the order of its fields, nested groups included."""
    found: list[FieldError] = []
    for field in form:
        _collect(field, field.label.text, found)
    return found


def _collect(field, label: str, found: list[FieldError]) -> None:
    if field.type == "FormField":
        for sub in field.form:
            _collect(sub, f"{label}, {sub.label.text}", found)
    elif field.type == "FieldList":
        for message in (e for e in field.errors if isinstance(e, str)):
            found.append(FieldError(field.id, label, message))
        for number, entry in enumerate(field.entries, start=1):
            row = f"{label}, ligne {number}"
            if entry.type == "FormField":
                for sub in entry.form:
                    _collect(sub, f"{row}, {sub.label.text}", found)
            else:
                _collect(entry, row, found)
    elif field.type not in _SKIPPED:
        field_id = None if field.type in _UNLINKED else field.id
        for message in field.errors:
            if isinstance(message, str):
                found.append(FieldError(field_id, label, message))
