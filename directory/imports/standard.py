"""Import of fiches in the published standard: validate every record, then write all or nothing."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import ValidationError
from sqlalchemy import select

from directory import messages as m
from directory.extensions import db
from directory.fiches.models import Fiche
from directory.fiches.schemas import FicheSchema
from directory.fiches.services import (
    Actor,
    KnownCodes,
    check_references,
    create_fiche,
    diff,
    fiche_to_data,
    normalize,
    unique_slug,
    update_fiche,
)


class ImportRefused(Exception):
    """The file breaks the standard; nothing was written."""

    def __init__(self, errors: list[str]):
        super().__init__(m.IMPORT_REFUSED.format(count=len(errors)))
        self.errors = errors


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in ("created", "updated", "unchanged")}


def read_records(path: Path) -> list:
    """Read a JSON file holding a list of fiches or an object with a "fiches" list."""
    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportRefused([m.FILE_UNREADABLE.format(reason=exc)]) from exc
    except RecursionError as exc:  # thousands of nested [ or {: no fiche is that deep
        raise ImportRefused([m.FILE_TOO_DEEP]) from exc
    records = content.get("fiches") if isinstance(content, dict) else content
    if not isinstance(records, list):
        raise ImportRefused([m.FILE_NOT_A_LIST])
    return records


def _label(index: int, record) -> str:
    name = record.get("nom") if isinstance(record, dict) else None
    name = name[:100] if isinstance(name, str) else None
    return m.RECORD_LABEL.format(index=index, name=name or "sans nom")


def _flatten(prefix: str, errors) -> list[tuple[str, str]]:
    """Turn marshmallow's nested error dict into (field path, message) pairs."""
    if isinstance(errors, list):
        return [(prefix, str(e)) for e in errors]
    pairs = []
    for key, value in errors.items():
        path = (
            f"{prefix}[{key + 1}]"
            if isinstance(key, int)
            else (f"{prefix}.{key}" if prefix else str(key))
        )
        pairs.extend(_flatten(path, value))
    return pairs


def validate_records(records: list) -> tuple[list[dict], list[str]]:
    """Load every record with the standard's schema; return the data and French errors."""
    schema, loaded, errors, seen = FicheSchema(), [], [], {}
    for index, record in enumerate(records, start=1):
        label = _label(index, record)
        try:
            data = schema.load(record)
        except ValidationError as exc:
            errors += [
                m.FIELD_ERROR.format(record=label, field=f, message=msg)
                for f, msg in _flatten("", exc.messages)
            ]
            continue
        if data.get("slug") in seen:
            errors.append(
                m.FIELD_ERROR.format(
                    record=label, field="slug", message=m.DUPLICATE_SLUG.format(slug=data["slug"])
                )
            )
        data["slug"] = data.get("slug") or unique_slug(data["name"], set(seen))
        seen[data["slug"]] = label
        loaded.append((label, data))
    known = KnownCodes()
    for label, data in loaded:
        for f, messages in check_references(data, set(seen), known).items():
            errors += [m.FIELD_ERROR.format(record=label, field=f, message=msg) for msg in messages]
    return [data for _, data in loaded], errors


def import_records(records: list, actor: Actor, *, apply: bool = True) -> ImportReport:
    """Validate then upsert by slug; raise ImportRefused with every error, writing nothing.

    Without `apply`, nothing is written: the report says what would change.
    """
    datas, errors = validate_records(records)
    if errors:
        raise ImportRefused(errors)
    report = ImportReport()
    existing = {
        f.slug: f
        for f in db.session.scalars(select(Fiche).where(Fiche.slug.in_([d["slug"] for d in datas])))
    }
    for data in datas:
        fiche = existing.get(data["slug"])
        if fiche is None:
            report.created.append(data["slug"])
        elif diff(normalize(fiche_to_data(fiche)), normalize(data)):
            report.updated.append(data["slug"])
        else:
            report.unchanged.append(data["slug"])
    if apply:
        for data in datas:
            if data["slug"] in report.created:
                existing[data["slug"]] = create_fiche({**data, "links": []}, actor)
        by_slug = {d["slug"]: d for d in datas}
        for slug in report.created + report.updated:
            update_fiche(existing[slug], by_slug[slug], actor)
    return report
