"""Read a page's form as a browser would submit it, so tests change only what a user types."""

from html.parser import HTMLParser

from flask import g

from tests.builders import page_text


class _FormReader(HTMLParser):
    def __init__(self, action: str | None):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.fields = action, False, []
        self._textarea = self._select = self._chosen = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = self.action is None or a.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append([a["name"], a.get("value", "y" if a.get("type") else "")])
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
            self.fields.append(self._textarea)
        elif tag == "select":
            self._select, self._chosen = a["name"], None
        elif tag == "option" and self._select:
            # A select without a selected option submits its first one.
            if self._chosen is None or "selected" in a:
                if self._chosen is not None:
                    self.fields.remove(self._chosen)
                self._chosen = [self._select, a.get("value", "")]
                self.fields.append(self._chosen)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def read_form(response, action: str | None = None) -> dict:
    """Return the fields of the form (posting to `action`) as {name: value or [values]}."""
    return form_fields(page_text(response), action)


def form_fields(html: str, action: str | None = None) -> dict:
    """Return the fields of the form of an HTML page (posting to `action`), as read_form."""
    reader = _FormReader(action)
    reader.feed(html)
    data: dict = {}
    for name, value in reader.fields:
        value = value.removeprefix("\r").removeprefix("\n")  # browsers drop it too
        if name in data:
            data[name] = (data[name] if isinstance(data[name], list) else [data[name]]) + [value]
        else:
            data[name] = value
    return data


def get_form(client, url: str):
    """GET a page with a form, with this client's own CSRF token (see builders.csrf_token)."""
    g.pop("csrf_token", None)
    return client.get(url)


def edit_form(client, slug: str) -> dict:
    """Open a fiche's edit form and return its fields as the browser would post them."""
    response = get_form(client, f"/fiches/{slug}/modifier")
    assert response.status_code == 200
    return read_form(response, f"/fiches/{slug}/modifier")
