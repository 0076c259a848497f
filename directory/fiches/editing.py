"""Editing a fiche through its form: form ↔ record of the standard, territory look-ups, errors."""

import re

from marshmallow import ValidationError
from sqlalchemy import or_, select

from directory import messages as m
from directory.accounts import permissions as perm
from directory.extensions import db
from directory.fiches.forms import FicheForm, row_is_empty
from directory.fiches.models import Fiche
from directory.fiches.schemas import EditorFicheSchema, FicheSchema
from directory.fiches.services import check_references
from directory.territoires.models import Commune, Epci
from directory.territoires.services import find_communes, fold

CODE_IN_LABEL = re.compile(r"\(([^()]*?)([0-9AB]{5,9})\)\s*$")
TRISTATE = {"oui": True, "non": False}
DUMP_ONLY = ("id", "mis_a_jour_le", "verifie_le", "completude", "version")


def commune_label(commune: Commune) -> str:
    """Return "Saint-Dié-des-Vosges (88, 88413)": name, département, INSEE code."""
    return f"{commune.name} ({commune.departement_code}, {commune.code})"


def epci_label(epci: Epci) -> str:
    """Return "CA de Saint-Dié-des-Vosges (200068393)": name and SIREN."""
    return f"{epci.name} ({epci.code})"


def _code_in(text: str) -> str:
    match = CODE_IN_LABEL.search(text)
    return match.group(2) if match else text.strip()


def resolve_commune(text: str) -> tuple[str | None, str | None]:
    """Return (INSEE code, None) for a typed name, label or code, else (None, French error)."""
    commune = db.session.get(Commune, _code_in(text))
    if commune is not None:
        return commune.code, None
    candidates = find_communes(text, limit=10)
    exact = [c for c in candidates if fold(c.name) == fold(text)]
    if len(exact) == 1 or len(candidates) == 1:
        return (exact or candidates)[0].code, None
    if not candidates:
        return None, m.COMMUNE_NOT_FOUND.format(text=text)
    labels = ", ".join(commune_label(c) for c in candidates)
    return None, m.COMMUNE_AMBIGUOUS.format(text=text, candidates=labels)


def find_epcis(text: str, limit: int = 10) -> list[Epci]:
    """Find EPCI by SIREN or by the words of their name (accents optional)."""
    words = fold(text).split()
    if not words:
        return []
    query = select(Epci).where(
        or_(Epci.code == text.strip(), *[Epci.search_name.like(f"%{w}%") for w in words[:1]])
    )
    found = [e for e in db.session.scalars(query) if all(w in e.search_name for w in words)]
    return sorted(found, key=lambda e: e.name)[:limit]


def resolve_epci(text: str) -> tuple[str | None, str | None]:
    """Return (SIREN, None) for a typed name, label or code, else (None, French error)."""
    epci = db.session.get(Epci, _code_in(text))
    if epci is not None:
        return epci.code, None
    candidates = find_epcis(text)
    exact = [e for e in candidates if e.search_name == fold(text)]
    if len(exact) == 1 or len(candidates) == 1:
        return (exact or candidates)[0].code, None
    if not candidates:
        return None, m.EPCI_NOT_FOUND.format(text=text)
    labels = ", ".join(epci_label(e) for e in candidates)
    return None, m.EPCI_AMBIGUOUS.format(text=text, candidates=labels)


def _blank(value):
    if isinstance(value, str):
        return value.strip() or None
    return value


def _rows(group) -> list:
    return [entry.data for entry in group.entries if not row_is_empty(entry)]


def form_to_record(form: FicheForm) -> tuple[dict, dict]:
    """Build the standard's record from the form; return it and the territory errors by field."""
    data = form.data
    keys = {f.data_key or name for name, f in FicheSchema().load_fields.items()}
    record = {key: data[key] for key in keys if key in data}
    for key in ("version", "last_change"):
        record.pop(key, None)
    record = {
        k: (_blank(v) if not isinstance(v, (list, dict, bool)) else v) for k, v in record.items()
    }
    for key in ("notification_mdph_requise", "gratuit"):
        record[key] = TRISTATE.get(data[key])
    record["prestations"] = [s.strip() for s in _rows(form.prestations)]
    for key in ("porteurs", "contacts", "liens", "sources"):
        record[key] = _rows(form[key])
    for source in record["sources"]:
        source["champs"] = [c.strip() for c in (source["champs"] or "").split(",") if c.strip()]
        source["date"] = _blank(source.get("date"))
    record["sites"] = [_site_record(row) for row in _rows(form.sites)]
    territory, errors = _territory(form)
    record["territoire"] = territory
    return record, errors


SITE_ADDRESS_KEYS = ("ligne1", "ligne2", "code_postal", "commune")


def _site_record(row: dict) -> dict:
    """Nest a site row's address fields as the standard does; numbers stay text for the schema."""
    site = {k: _blank(v) for k, v in row.items() if k not in SITE_ADDRESS_KEYS}
    site["adresse"] = {k: _blank(row.get(k)) for k in SITE_ADDRESS_KEYS}
    return site


def _site_row(site: dict) -> dict:
    row = {k: v for k, v in site.items() if k != "adresse"}
    row.update(site.get("adresse") or {})
    for key in ("latitude", "longitude"):
        row[key] = "" if site.get(key) is None else str(site[key])
    return row


def _territory(form: FicheForm) -> tuple[list[dict], dict]:
    territory = [{"niveau": "region", "code": "44"}] if form.region.data else []
    territory += [{"niveau": "departement", "code": c} for c in form.departements.data or []]
    errors: dict = {}
    for level, group, resolve in (
        ("epci", form.epcis, resolve_epci),
        ("commune", form.communes, resolve_commune),
    ):
        for entry in group.entries:
            if not (entry.data or "").strip():
                continue
            code, error = resolve(entry.data.strip())
            if error:
                errors.setdefault(entry, []).append(error)
            else:
                territory.append({"niveau": level, "code": code})
    unique = {(t["niveau"], t["code"]): t for t in territory}
    return list(unique.values()), errors


def linkable_by(user, fiche: Fiche | None):
    """Return which fiches the user may link a fiche to: those they may see (never another
    organisation's draft, whose slug the public JSON would then show) and those already linked
    (a partner archived since does not block the next save)."""
    kept = {link.to_id for link in fiche.links_out} if fiche is not None else set()
    return lambda target: target.id in kept or perm.can_view_fiche(user, target)


def load_record(record: dict, slug: str | None = None, linkable=None) -> tuple[dict | None, dict]:
    """Validate a record like the API does; return (loaded data, None) or (None, errors)."""
    try:
        data = FicheSchema().load(record)
    except ValidationError as error:
        return None, error.normalized_messages()
    data["slug"] = slug
    errors = check_references(data, linkable=linkable)
    return (None, errors) if errors else (data, {})


def attach_errors(form: FicheForm, errors: dict) -> list[str]:
    """Put the schema's errors beside their fields; return those no field can show."""
    loose: list[str] = []
    for key, messages in errors.items():
        _attach(form, key, messages, loose)
    return loose


def _attach(container, key, messages, loose: list[str]) -> None:
    try:
        target = container[key]
    except (KeyError, IndexError, TypeError):
        target = None
    if key == "territoire":
        target = container["communes"]
    elif key == "adresse" and not isinstance(messages, dict):
        target = container["adresse"].form["commune"]
    if target is None:
        loose.extend(_flatten(messages))
        return
    if isinstance(messages, dict) and hasattr(target, "entries"):
        for index, sub in messages.items():
            _attach_entry(target, int(index), sub, loose)
    elif isinstance(messages, dict) and hasattr(target, "form"):
        for sub_key, sub in messages.items():
            _attach(target.form, sub_key, sub, loose)
    else:
        target.errors = list(target.errors or []) + _flatten(messages)


def _attach_entry(group, index: int, messages, loose: list[str]) -> None:
    entries = [e for e in group.entries if not row_is_empty(e)]
    if index >= len(entries):
        loose.extend(_flatten(messages))
        return
    entry = entries[index]
    if isinstance(messages, dict) and hasattr(entry, "form"):
        if isinstance(messages.get("adresse"), dict) and "adresse" not in entry.form:
            messages = {**messages.pop("adresse"), **messages}  # a site's address is flat
        for sub_key, sub in messages.items():
            _attach(entry.form, sub_key, sub, loose)
    else:
        entry.errors = list(entry.errors or []) + _flatten(messages)


def _flatten(messages) -> list[str]:
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, dict):
        return [text for sub in messages.values() for text in _flatten(sub)]
    return [text for sub in messages for text in _flatten(sub)]


def record_of(data: dict) -> dict:
    """Return the loadable record (standard keys) of canonical data."""
    record = EditorFicheSchema().dump(data)
    for key in DUMP_ONLY:
        record.pop(key, None)
    return record


def form_data(record: dict) -> dict:
    """Turn a record of the standard into the form's initial data."""
    data = dict(record)
    for key in ("notification_mdph_requise", "gratuit"):
        data[key] = {True: "oui", False: "non"}.get(record.get(key), "")
    for key in ("annee_creation", "age_min", "age_max", "latitude", "longitude"):
        data[key] = "" if record.get(key) is None else str(record[key])
    data["frequence_verification"] = str(record.get("frequence_verification") or 12)
    data["sources"] = [
        {**s, "champs": ", ".join(s.get("champs") or []), "date": s.get("date") or ""}
        for s in record.get("sources") or []
    ]
    data["sites"] = [_site_row(site) for site in record.get("sites") or []]
    territory = record.get("territoire") or []
    data["region"] = any(t["niveau"] == "region" for t in territory)
    data["departements"] = [t["code"] for t in territory if t["niveau"] == "departement"]
    data["epcis"] = [
        _label(Epci, t["code"], epci_label) for t in territory if t["niveau"] == "epci"
    ]
    data["communes"] = [
        _label(Commune, t["code"], commune_label) for t in territory if t["niveau"] == "commune"
    ]
    return data


def _label(model, code: str, label) -> str:
    row = db.session.get(model, code)
    return label(row) if row else code


def build_form(record: dict, **kwargs) -> FicheForm:
    """Return the editing form filled with a record, each repeating group ending with a blank."""
    form = FicheForm(data=form_data(record), **kwargs)
    form.grow()
    return form
