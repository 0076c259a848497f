"""Old datasets (the 2015 Annuaire de l'administration, FINESS) still use the codes of communes
that have since merged: they lead to today's commune, by code and by name."""

from directory.territoires.services import communes_by_code, find_communes, get_commune


def test_a_former_code_leads_to_the_merged_commune(app):
    # Fresne-lès-Reims (51261) is a delegated commune of Bourgogne-Fresne (51075) since 2017.
    commune = get_commune("51261")
    assert commune.code == "51075" and commune.name == "Bourgogne-Fresne"
    assert communes_by_code(["51261", "88160"])["51261"].code == "51075"


def test_a_former_name_finds_the_commune_of_today(app):
    assert [c.code for c in find_communes("Fresne-les-Reims")] == ["51075"]


def test_qui_intervient_accepts_a_former_code(client):
    page = client.get("/qui-intervient?commune=51261").get_data(as_text=True)
    assert "Bourgogne-Fresne" in page
