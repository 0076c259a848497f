"""Results as the pages and the JSON show them: labels of facets, chips, links, pagination."""

import math

from flask import request, url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from directory.fiches import referentiels
from directory.search.backend import FACETS, Hit, SearchResults
from directory.territoires import services as territoires

MDPH_LABELS = {"oui": "Notification requise", "non": "Sans notification", "inconnue": "Non précisé"}
FACET_TITLES = {
    "type": "Type de dispositif",
    "departement": "Département",
    "public": "Public",
    "qui_peut_saisir": "Qui peut saisir",
    "notification_mdph": "Notification MDPH",
}
MULTIPLE = {"type", "public", "qui_peut_saisir"}


def facet_labels() -> dict[str, dict[str, str]]:
    """Return facet → code → French label."""
    return {
        "type": {t.code: f"{t.acronym} — {t.name}" for t in referentiels.types()},
        "departement": {d.code: f"{d.name} ({d.code})" for d in territoires.departements()},
        "public": referentiels.labels("publics"),
        "qui_peut_saisir": referentiels.labels("qui-peut-saisir"),
        "notification_mdph": MDPH_LABELS,
    }


def _facet_list(counts: dict[str, int], labels: dict[str, str]) -> list[dict]:
    items = [
        {"code": code, "libelle": labels.get(code, code), "nombre": count}
        for code, count in counts.items()
    ]
    return sorted(items, key=lambda i: (-i["nombre"], i["libelle"].lower()))


def _fiche(hit: Hit) -> dict:
    return {
        "slug": hit.slug,
        "nom": hit.nom,
        "sigle": hit.sigle,
        "type": hit.type,
        "url": url_for("fiches.show_fiche", slug=hit.slug),
        "extrait": hit.extrait,
    }


def results_json(results: SearchResults) -> dict:
    """Return the JSON of /recherche.json."""
    labels = facet_labels()
    return {
        "total": results.total,
        "page": results.page,
        "resultats": [_fiche(h) for h in results.hits],
        "facettes": {f: _facet_list(results.facets.get(f, {}), labels[f]) for f in FACETS},
        "correction": results.correction,
        "types": [
            {
                "code": t.slug,
                "sigle": t.sigle,
                "nom": t.nom,
                "url": url_for("fiches.show_type", code=t.slug),
            }
            for t in results.types
        ],
    }


def suggestion(hit: Hit) -> dict:
    """Return one suggestion of a fiche or a type."""
    if hit.kind == "type":
        return {
            "libelle": f"{hit.sigle} — {hit.nom}" if hit.sigle else hit.nom,
            "url": url_for("fiches.show_type", code=hit.slug),
            "genre": "type",
        }
    label = f"{hit.nom} ({hit.sigle})" if hit.sigle and hit.sigle not in hit.nom else hit.nom
    return {"libelle": label, "url": url_for("fiches.show_fiche", slug=hit.slug), "genre": "fiche"}


def _url(args: MultiDict) -> str:
    return url_for("search.search_page", **args.to_dict(flat=False))


def _without(name: str, value: str | None = None) -> str:
    args = MultiDict(request.args)
    args.pop("page", None)
    values = args.poplist(name)
    if value is not None:
        args.setlist(name, [v for v in values if v != value])
    return _url(args)


def _with(name: str, value: str) -> str:
    args = MultiDict(request.args)
    args.pop("page", None)
    if name in MULTIPLE:
        if value not in args.getlist(name):
            args.add(name, value)
    else:
        args[name] = value
    return _url(args)


def _chips(form, labels) -> list[dict]:
    """Return the applied filters, each with the link that removes it."""
    chips = []
    for name in (*FACETS, "commune", "age"):
        data = form[name].data
        values = data if isinstance(data, list) else ([data] if data not in (None, "") else [])
        for value in values:
            value = str(value)
            if name == "commune":
                label = territoires.territory_label("commune", value)
            elif name == "age":
                label = f"{value} ans"
            else:
                label = labels[name].get(value, value)
            title = form[name].label.text
            chips.append({"label": f"{title} : {label}", "url": _without(name, value)})
    return chips


class Pages:
    """What the pagination macro needs."""

    def __init__(self, page: int, per_page: int, total: int):
        self.page, self.total = page, total
        self.pages = max(1, math.ceil(total / per_page))
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num, self.next_num = page - 1, page + 1

    def iter_pages(self, left_edge=1, right_edge=1, left_current=2, right_current=2):
        last = 0
        for num in range(1, self.pages + 1):
            if (
                num <= left_edge
                or self.page - left_current <= num <= self.page + right_current
                or num > self.pages - right_edge
            ):
                if last + 1 != num:
                    yield None
                yield num
                last = num


def results_view(results: SearchResults, form) -> dict:
    """Return what the results page shows besides the hits."""
    labels = facet_labels()
    active = {name: form[name].data for name in FACETS}
    facets = []
    for name in FACETS:
        items = _facet_list(results.facets.get(name, {}), labels[name])
        chosen = active[name] if isinstance(active[name], list) else [active[name]]
        for item in items:
            item["active"] = item["code"] in chosen
            change = _without if item["active"] else _with
            item["url"] = change(name, item["code"])
        facets.append({"name": name, "title": FACET_TITLES[name], "items": items})
    correction_url = None
    if results.correction:
        args = MultiDict(request.args)
        args["q"] = results.correction
        correction_url = _url(args)
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    return {
        "type_acronyms": {t.code: t.acronym for t in referentiels.types()},
        "facets": facets,
        "chips": _chips(form, labels),
        "pages": Pages(results.page, 20, results.total),
        "page_args": args,
        "correction_url": correction_url,
        "extract": lambda hit: Markup(hit.extrait),  # noqa: S704 - escaped by the highlighter
        "clear_url": url_for("search.search_page", q=form.q.data) if form.q.data else None,
    }
