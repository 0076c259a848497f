"""Search through HTTP on the real seed: words, prefixes, typos, ranking, filters and facets."""

import pytest

from tests.builders import page_text


def get(client, **params) -> dict:
    response = client.get("/recherche.json", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def slugs(data: dict) -> list[str]:
    return [r["slug"] for r in data["resultats"]]


def facet(data: dict, name: str) -> dict[str, int]:
    return {item["code"]: item["nombre"] for item in data["facettes"][name]}


@pytest.mark.parametrize("q", ["handicapées", "handicapees", "HANDICAPÉES", "handicapée"])
def test_accents_and_inflections_find_the_same_fiches(client, indexed, q):
    assert set(slugs(get(client, q=q))) == set(slugs(get(client, q="handicapés")))
    assert "mdph-moselle" in slugs(get(client, q=q, departement="57"))


def test_synonyms_and_acronyms(client, indexed):
    assert {"cra-lorraine", "cra-alsace"} <= set(slugs(get(client, q="autistes")))
    assert {"cra-lorraine", "cra-alsace"} <= set(slugs(get(client, q="TSA")))
    # MAIA is history: it leads to its successor, the DAC
    assert "dac-54" in slugs(get(client, q="MAIA"))[:3]


def test_prefix_of_a_longer_word_than_its_stem(client, indexed):
    data = get(client, q="coordinat", type="dac")  # the 73 CLIC « … de coordination » too
    assert {"dac-54", "dac-vosges"} <= set(slugs(data))
    assert data["correction"] is None


def test_typo_is_corrected_with_a_did_you_mean_line(client, indexed):
    data = get(client, q="autsime")
    assert data["correction"] == "autisme"
    assert "cra-lorraine" in slugs(data)
    html = page_text(client.get("/recherche", query_string={"q": "autsime"}))
    assert "Vouliez-vous dire" in html and "« autisme »" in html
    assert "Centre ressources autisme" in html or "CRA" in html


def test_a_fiche_of_the_named_type_comes_first(client, indexed):
    data = get(client, q="CRA Moselle")
    assert slugs(data)[0] == "cra-lorraine"
    top = slugs(get(client, q="MDPH"))[:5]
    assert all(slug.startswith(("mdph", "mda", "mph")) for slug in top)


def test_the_type_lexicon_is_searchable(client, indexed):
    data = get(client, q="répit")
    assert "plateforme-repit" in [t["code"] for t in data["types"]]
    assert data["types"][0]["url"].startswith("/types/")


def test_filters_and_facets_reflect_the_other_filters(client, indexed):
    everything = get(client, q="handicap")
    only_mdph = get(client, q="handicap", type="mdph")
    assert only_mdph["total"] < everything["total"]
    assert {r["type"] for r in only_mdph["resultats"]} == {"mdph"}
    # the type facet ignores its own filter: the other types stay offered with their counts
    assert facet(only_mdph, "type") == facet(everything, "type")
    # the département facet counts MDPH only once the type is chosen
    assert facet(only_mdph, "departement")["57"] == 1
    assert facet(everything, "departement")["57"] > 1
    moselle = get(client, q="handicap", type="mdph", departement="57")
    assert slugs(moselle) == ["mdph-moselle"]
    assert facet(moselle, "type")["mdph"] == 1


def test_age_and_notification_filters(client, indexed):
    toddlers = slugs(get(client, q="", age=3, type="camsp"))
    assert "camsp-nancy" in toddlers
    assert "camsp-nancy" not in slugs(get(client, q="", age=30, type="camsp"))
    # no age bound means open: the MDPH serve every age
    assert "mdph-moselle" in slugs(get(client, q="mdph", age=30))


def test_commune_filter_means_covers_the_commune(client, indexed):
    epinal = slugs(get(client, q="handicap", commune="88160"))
    assert "mda-vosges" in epinal  # its département
    assert "erhr-nord-est" in epinal  # the region
    assert "mdph-moselle" not in epinal
    # a commune named in the words acts the same
    assert "mdph-moselle" not in slugs(get(client, q="handicap Épinal"))
    assert "mda-vosges" in slugs(get(client, q="handicap Épinal"))


def test_invalid_filters_answer_400_in_french(client, indexed):
    response = client.get("/recherche.json", query_string={"q": "x", "age": "vieux", "type": "zz"})
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"error", "message", "errors"}
    assert {"age", "type"} <= set(body["errors"])
    assert "invalides" in body["message"]
    assert client.get("/recherche", query_string={"age": "vieux"}).status_code == 400


def test_pagination(client, indexed):
    first = get(client, q="", page=1)
    second = get(client, q="", page=2)
    assert first["total"] == second["total"] > 20
    assert len(first["resultats"]) == 20
    assert not set(slugs(first)) & set(slugs(second))


def test_suggestions_offer_fiches_types_and_communes(client, indexed):
    suggestions = client.get("/recherche/suggestions.json?q=centre ress").get_json()["suggestions"]
    genres = {s["genre"] for s in suggestions}
    assert {"fiche", "type"} <= genres
    assert any(s["url"] == "/fiches/cra-lorraine" for s in suggestions)
    communes = client.get("/recherche/suggestions.json?q=saint-die").get_json()["suggestions"]
    saint_die = [s for s in communes if s["genre"] == "commune"][0]
    assert saint_die["libelle"] == "Saint-Dié-des-Vosges (88, 88413)"
    assert saint_die["url"] == "/qui-intervient?commune=88413"
    assert client.get("/recherche/suggestions.json?q=a").get_json() == {"suggestions": []}
