"""Relevance suite: coordinators' queries must bring the right dispositifs into the top 3.

The queries live in queries.json; they run on the real seed plus the fictional corpus of
corpus/fiches-pertinence.json (loaded by the `relevance_client` fixture, never by `make run`).
"""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from directory.extensions import db
from directory.fiches.models import Fiche
from directory.imports.seed import SEED_DIR
from directory.imports.standard import validate_records

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPUS = json.loads((HERE / "corpus" / "fiches-pertinence.json").read_text(encoding="utf-8"))
QUERIES = json.loads((HERE / "queries.json").read_text(encoding="utf-8"))["requetes"]
HIDDEN = {f["slug"] for f in CORPUS["fiches"] if f["statut"] != "publiee"}
TOP = 3
MAX_PAGES = 60
BROAD_QUERIES = [
    "fictif",
    "fictive",
    "handicap",
    "autisme",
    "PCO",
    "plateforme de coordination et d'orientation",
    "MAIA",
    "PTA",
    "SAMSAH",
    "répit aidants",
    "scolarisation",
]


def search(client, q: str, filtres: dict | None = None, page: int = 1) -> dict:
    response = client.get("/recherche.json", query_string={"q": q, **(filtres or {}), "page": page})
    assert response.status_code == 200, f"{q!r} {filtres}: HTTP {response.status_code}"
    return response.get_json()


def all_slugs(client, q: str, filtres: dict | None = None) -> list[str]:
    """Every result slug, page after page."""
    slugs, page = [], 1
    while page <= MAX_PAGES:
        data = search(client, q, filtres, page)
        slugs += [r["slug"] for r in data["resultats"]]
        if not data["resultats"] or len(slugs) >= data["total"]:
            break
        page += 1
    return slugs


def explain(requete: dict, data: dict) -> str:
    """What a developer tuning the ranking needs to read."""
    top = "\n".join(
        f"  {rank}. {r['slug']} — {r['nom']} ({r['type']})"
        for rank, r in enumerate(data["resultats"][:5], start=1)
    )
    return (
        f"\nrequête {requete['id']!r} : q={requete['q']!r} filtres={requete['filtres']}"
        f"\n  ({requete['pourquoi']})"
        f"\nattendus dans les {TOP} premiers : {requete['attendus']}"
        f"\ncorrection : {data.get('correction')!r} ; total : {data['total']}"
        f"\n5 premiers résultats :\n{top or '  (aucun)'}"
    )


@pytest.mark.parametrize("requete", QUERIES, ids=[r["id"] for r in QUERIES])
def test_expected_fiches_come_first(relevance_client, requete):
    data = search(relevance_client, requete["q"], requete["filtres"])
    top = [r["slug"] for r in data["resultats"][:TOP]]
    missing = [slug for slug in requete["attendus"] if slug not in top]
    assert not missing, f"absents du top {TOP} : {missing}" + explain(requete, data)
    if requete.get("premier"):
        assert top[0] in requete["premier"], (
            f"le premier devrait être parmi {requete['premier']}" + explain(requete, data)
        )
    if requete.get("faute"):
        assert data["correction"], "aucune correction « Vouliez-vous dire … »" + explain(
            requete, data
        )


@pytest.mark.parametrize(
    "requete",
    [r for r in QUERIES if r.get("interdits")],
    ids=[r["id"] for r in QUERIES if r.get("interdits")],
)
def test_forbidden_fiches_never_appear(relevance_client, requete):
    slugs = all_slugs(relevance_client, requete["q"], requete["filtres"])
    found = sorted(set(requete["interdits"]) & set(slugs))
    assert not found, f"fiches interdites présentes dans les résultats : {found}" + explain(
        requete, search(relevance_client, requete["q"], requete["filtres"])
    )


@pytest.mark.parametrize("q", BROAD_QUERIES)
def test_drafts_and_archives_never_appear(relevance_client, q):
    slugs = all_slugs(relevance_client, q)
    assert slugs, f"aucun résultat pour {q!r}"
    assert not HIDDEN & set(slugs), (
        f"brouillons ou archives trouvés : {sorted(HIDDEN & set(slugs))}"
    )


def test_corpus_validates_through_the_import(app):
    """Every fiche of the corpus passes the project's own import validation."""
    datas, errors = validate_records(CORPUS["fiches"])
    assert errors == []
    assert len(datas) == len(CORPUS["fiches"])


def test_corpus_follows_the_published_schema():
    schema = json.loads((ROOT / "schemas" / "fiche.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [
        f"{fiche['slug']} : {error.message}"
        for fiche in CORPUS["fiches"]
        for error in validator.iter_errors(fiche)
    ]
    assert errors == []


def test_corpus_is_clearly_fictional():
    fiches = CORPUS["fiches"]
    assert "fictives" in CORPUS["avertissement"]
    assert 250 <= len(fiches) <= 350
    for fiche in fiches:
        assert fiche["fictive"] is True, fiche["slug"]
        assert fiche["slug"].startswith("pert-"), fiche["slug"]
        assert "fictif" in fiche["nom"].lower() or "fictive" in fiche["nom"].lower(), fiche["nom"]
        assert "telephone" not in fiche and "courriel" not in fiche and "contacts" not in fiche
        assert [s["niveau"] for s in fiche["sources"]] == ["declare"]


def test_queries_name_fiches_that_exist_and_are_published():
    seed = json.loads((SEED_DIR / "fiches.json").read_text(encoding="utf-8"))["fiches"]
    status = {f["slug"]: f.get("statut", "publiee") for f in seed + CORPUS["fiches"]}
    assert len(QUERIES) >= 45
    for requete in QUERIES:
        assert 1 <= len(requete["attendus"]) <= TOP, requete["id"]
        for slug in requete["attendus"]:
            assert status.get(slug) == "publiee", (requete["id"], slug)
        for slug in requete.get("interdits", []) + requete.get("premier", []):
            assert slug in status, (requete["id"], slug)


def test_corpus_never_reaches_the_real_seed(seeded):
    """`make run` loads seed/ only: none of the corpus fiches is there."""
    seed_file = (SEED_DIR / "fiches.json").read_text(encoding="utf-8")
    assert '"pert-' not in seed_file
    assert HERE not in SEED_DIR.resolve().parents and SEED_DIR.resolve() == ROOT / "seed"
    loaded = db.session.scalars(select(Fiche.slug).where(Fiche.slug.like("pert-%"))).all()
    assert loaded == []
    assert db.session.scalar(select(Fiche).where(Fiche.slug == "cra-lorraine")) is not None
