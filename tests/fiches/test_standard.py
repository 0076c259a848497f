"""The published standard: JSON Schema and marshmallow agree; errors speak French."""

import json

import pytest
from jsonschema import Draft202012Validator
from marshmallow import ValidationError, fields, validate

from directory.fiches.referentiels import SCHEMAS_DIR
from directory.fiches.schemas import (
    FicheSchema,
    MemberFicheSchema,
    PublicFicheSchema,
)

JSON_SCHEMA = json.loads((SCHEMAS_DIR / "fiche.schema.json").read_text(encoding="utf-8"))
MINIMAL = {
    "nom": "PCPE du Pays de Test",
    "type": "pcpe",
    "resume": "Un pôle.",
    "missions": "Aider.",
}

JSON_TYPES = {
    fields.String: "string",
    fields.Integer: "integer",
    fields.Float: "number",
    fields.Boolean: "boolean",
    fields.List: "array",
    fields.Nested: "object",
    fields.DateTime: "string",
    fields.Date: "string",
}


def _json_type(field) -> str:
    for cls, name in JSON_TYPES.items():
        if isinstance(field, cls):
            return name
    raise AssertionError(f"unmapped field {field!r}")


def _compare(schema, json_schema: dict, path: str) -> list[str]:
    problems = []
    props = json_schema["properties"]
    keys = {(f.data_key or name): f for name, f in schema.fields.items()}
    if set(keys) != set(props):
        problems.append(f"{path}: champs {sorted(set(keys) ^ set(props))} d'un seul côté")
    required = {k for k, f in keys.items() if f.required}
    if required != set(json_schema.get("required", [])):
        problems.append(f"{path}: obligatoires {sorted(required)} ≠ {json_schema.get('required')}")
    for key in set(keys) & set(props):
        problems += _compare_field(keys[key], props[key], f"{path}.{key}")
    return problems


def _compare_field(field, prop: dict, path: str) -> list[str]:
    problems = []
    types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
    if _json_type(field) not in types:
        problems.append(f"{path}: type {_json_type(field)} absent de {types}")
    if field.allow_none != ("null" in types):
        problems.append(f"{path}: null admis d'un côté seulement")
    if field.dump_only != prop.get("readOnly", False):
        problems.append(f"{path}: lecture seule d'un côté seulement")
    for v in field.validators:
        if isinstance(v, validate.OneOf) and set(v.choices) != set(prop.get("enum", [])):
            problems.append(f"{path}: valeurs {sorted(v.choices)} ≠ {prop.get('enum')}")
        if isinstance(v, validate.Length) and v.max != prop.get("maxLength"):
            problems.append(f"{path}: longueur max {v.max} ≠ {prop.get('maxLength')}")
        if isinstance(v, validate.Range) and (v.min, v.max) != (
            prop.get("minimum"),
            prop.get("maximum"),
        ):
            problems.append(f"{path}: bornes {(v.min, v.max)} ≠ {prop.get('minimum')}…")
        if isinstance(v, validate.Regexp) and v.regex.pattern != prop.get("pattern"):
            problems.append(f"{path}: motif {v.regex.pattern} ≠ {prop.get('pattern')}")
    if isinstance(field, fields.Nested):
        problems += _compare(field.schema, prop, path)
    if isinstance(field, fields.List):
        inner = field.inner
        if isinstance(inner, fields.Nested):
            problems += _compare(inner.schema, prop["items"], path + "[]")
        else:
            problems += _compare_field(
                inner, {"type": prop["items"]["type"], **prop["items"]}, path + "[]"
            )
    return problems


def test_json_schema_and_marshmallow_schema_describe_the_same_standard():
    assert _compare(FicheSchema(), JSON_SCHEMA, "fiche") == []


def test_json_schema_is_valid_draft_2020_12():
    Draft202012Validator.check_schema(JSON_SCHEMA)


def test_minimal_fiche_loads_with_defaults():
    data = FicheSchema().load(MINIMAL)
    assert data["name"] == "PCPE du Pays de Test"
    assert data["status"] == "brouillon"
    assert data["territory"] == [] and data["verification_months"] == 12


@pytest.mark.parametrize(
    ("record", "field", "message"),
    [
        ({"resume": None}, "resume", "Ce champ ne peut pas être vide."),
        ({"resume": "x" * 281}, "resume", "280 caractères au plus."),
        ({"age_min": "douze"}, "age_min", "Un nombre entier est attendu."),
        (
            {"age_max": 130},
            "age_max",
            "Doit être supérieur ou égal à 0 et inférieur ou égal à 120.",
        ),
        ({"courriel": "pas-une-adresse"}, "courriel", "Adresse électronique invalide."),
        (
            {"site_web": "www.exemple.fr"},
            "site_web",
            "Adresse web invalide : elle doit commencer par http:// ou https://.",
        ),
        (
            {"statut": "supprimee"},
            "statut",
            "Valeur non reconnue ; valeurs admises : brouillon, publiee, archivee.",
        ),
        ({"gratuit": "peut-être"}, "gratuit", "« oui » ou « non » (true ou false) est attendu."),
        ({"inconnu": 1}, "inconnu", "Champ inconnu dans le standard de la fiche."),
        ({"age_min": 12, "age_max": 6}, "age_min", "L'âge minimum dépasse l'âge maximum."),
    ],
)
def test_each_invalid_field_gets_a_french_message_under_its_name(record, field, message):
    with pytest.raises(ValidationError) as info:
        FicheSchema().load({**MINIMAL, **record})
    assert info.value.messages == {field: [message]}


def test_missing_required_fields_are_named():
    with pytest.raises(ValidationError) as info:
        FicheSchema().load({})
    assert info.value.messages == {
        key: ["Ce champ est obligatoire."] for key in ("nom", "type", "resume", "missions")
    }


def test_nested_errors_name_the_item_and_field():
    record = {
        **MINIMAL,
        "territoire": [{"niveau": "canton", "code": "88"}],
        "adresse": {"code_postal": "8810"},
    }
    with pytest.raises(ValidationError) as info:
        FicheSchema().load(record)
    assert info.value.messages["territoire"][0]["niveau"] == [
        "Valeur non reconnue ; valeurs admises : region, departement, epci, commune."
    ]
    assert info.value.messages["adresse"]["code_postal"] == ["Un code postal compte 5 chiffres."]


def test_public_dump_hides_members_only_contacts_and_member_dump_shows_them():
    data = FicheSchema().load(
        {
            **MINIMAL,
            "contacts": [
                {"nom": "Accueil", "visibilite": "public", "telephone": "03 00 00 00 00"},
                {"nom": "Coordinatrice", "visibilite": "membres"},
            ],
        }
    )
    data["version"] = 3
    public = PublicFicheSchema().dump(data)
    member = MemberFicheSchema().dump(data)
    editor = FicheSchema().dump(data)
    assert [c["nom"] for c in public["contacts"]] == ["Accueil"]
    assert [c["nom"] for c in member["contacts"]] == ["Accueil", "Coordinatrice"]
    assert "version" not in member and editor["version"] == 3


def test_dumped_fiche_validates_against_the_published_json_schema():
    data = FicheSchema().load(
        {
            **MINIMAL,
            "territoire": [{"niveau": "departement", "code": "88"}],
            "sources": [{"titre": "Loi", "niveau": "loi"}],
        }
    )
    dumped = {k: v for k, v in PublicFicheSchema().dump(data).items() if v is not None}
    errors = list(Draft202012Validator(JSON_SCHEMA).iter_errors(dumped))
    assert errors == []
