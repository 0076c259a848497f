"""Rerun the security probe of issue 11 against a running server, over real HTTP.

    .venv/bin/python bench/security_probe.py http://127.0.0.1:5000 \
        --email admin@exemple.fr --password '…' [--behind-proxy]

Each probe prints « ok » or « ÉCHEC » with what it saw, then the sign-in timings. The server
may be `make run` (development) or gunicorn in production mode; --behind-proxy says that it
was started with DIRECTORY_PROXY_COUNT=1 (X-Forwarded-* then come from "the proxy": us).
Run it last on a throwaway database: its failed sign-ins lock the probing address out.
"""

import argparse
import http.client
import re
import statistics
import sys
import time
import uuid
from urllib.parse import urlencode, urlsplit

RESULTS: list[bool] = []


def report(name: str, ok: bool, seen: str = "") -> None:
    RESULTS.append(ok)
    print(f"{'ok    ' if ok else 'ÉCHEC '} {name}{' — ' + seen if seen else ''}")


class Client:
    """A bare HTTP client that keeps its cookie by hand, as an attacker copying it would."""

    def __init__(self, base: str, host: str | None = None):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.host_header = host or parts.netloc
        self.cookie = ""

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Host": self.host_header, **(headers or {})}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if isinstance(body, dict):
            body = urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (ConnectionError, http.client.HTTPException) as error:
            return 0, {}, str(error)
        finally:
            connection.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            if value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, response.headers, data.decode("utf-8", "replace")

    def token(self, path="/connexion") -> str:
        _, _, body = self.request("GET", path)
        match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', body)
        return match.group(1) if match else ""

    def login(self, email, password, headers=None) -> int:
        data = {"csrf_token": self.token(), "email": email, "password": password}
        return self.request("POST", "/connexion", data, headers)[0]


def probe_headers(base: str, behind_proxy: bool) -> None:
    client = Client(base)
    for path in ("/", "/carte", "/fiches"):
        status, headers, body = client.request("GET", path)
        policy = headers.get("Content-Security-Policy", "")
        nonce = re.search(r"'nonce-([^']+)'", policy)
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body)
        ok = (
            status == 200
            and "'unsafe-inline'" not in policy
            and "frame-ancestors 'none'" in policy
            and nonce is not None
            and all(f'nonce="{nonce.group(1)}"' in attrs for attrs in inline)
            and headers.get("X-Content-Type-Options") == "nosniff"
            and headers.get("X-Frame-Options") == "DENY"
            and bool(headers.get("Referrer-Policy"))
            and "Strict-Transport-Security" not in headers
        )
        report(f"en-têtes de sécurité {path}", ok, f"{len(inline)} script(s) en ligne, nonce")
    _, headers, _ = client.request("GET", "/", headers={"X-Forwarded-Proto": "https"})
    hsts = headers.get("Strict-Transport-Security")
    report(
        "HSTS seulement derrière HTTPS (X-Forwarded-Proto cru seulement d'un mandataire)",
        bool(hsts) == behind_proxy,
        hsts or "absent",
    )
    _, headers, _ = Client(base).request("GET", "/connexion")
    cookie = headers.get("Set-Cookie", "")
    report("cookie de session HttpOnly, SameSite", "HttpOnly" in cookie and "SameSite" in cookie)
    print(f"       cookie : {cookie.split(';', 1)[1].strip() if ';' in cookie else cookie}")


def probe_sessions(base: str, email: str, password: str, xff: dict) -> None:
    owner = Client(base)
    if owner.login(email, password, xff) != 302:
        report("connexion du compte de sonde", False, "identifiants refusés")
        return
    thief = Client(base)
    thief.cookie = owner.cookie
    before = thief.request("GET", "/mes-fiches")[0]
    owner.request("POST", "/deconnexion", {"csrf_token": owner.token("/mes-fiches")})
    after = thief.request("GET", "/mes-fiches")[0]
    report("un cookie copié meurt à la déconnexion", before == 200 and after == 302, f"{after}")


def probe_bad_input(base: str, email: str | None, password: str | None, xff: dict) -> None:
    client = Client(base)
    if email:
        client.login(email, password, xff)
    huge = "99999999999999999999999"
    paths = [f"/fiches?page={huge}", f"/carte?page={huge}", f"/recherche?q=a&page={huge}"]
    if email:
        paths.append(f"/admin/journal?page={huge}")
    for path in paths:
        status = client.request("GET", path)[0]
        report(f"page énorme {path.split('?')[0]}", status == 400, str(status))
    nul = [
        "/fiches?q=a%00",
        "/fiches?departement=%00",
        "/carte?type=%00",
        "/carte/fiches.geojson?public=%00",
        "/carte/couverture?type=%00",
        "/recherche?q=%00",
        "/recherche.json?q=%00",
        "/recherche/suggestions.json?q=ab%00",
        "/qui-intervient?q=%00",
        "/qui-intervient?commune=%00",
        "/fiches/a%00b",
        "/fiches/a%00b.json",
        "/types/a%00",
        "/territoires/communes.json?q=ab%00",
        "/connexion?next=/%00",
        "/mot-de-passe/a%00",
        "/invitation/a%00",
        "/admin/fiches?departement=%00",
        "/admin/journal?acteur=%00",
    ]
    statuses = {path: client.request("GET", path)[0] for path in nul}
    bad = {p: s for p, s in statuses.items() if s != 400}
    report(f"octet nul sur {len(nul)} routes", not bad, str(bad) if bad else "400 partout")
    words = " ".join(["a"] * 1900)
    for path in ("/fiches", "/recherche", "/carte"):
        started = time.perf_counter()
        status = client.request("GET", f"{path}?{urlencode({'q': words})}")[0]
        took = time.perf_counter() - started
        report(f"q de 3,8 ko sur {path}", 400 <= status < 500, f"{status} en {took:.2f} s")
    body = b"email=a%40b.fr&password=" + b"x" * (50 * 1024 * 1024)
    started = time.perf_counter()
    status = client.request(
        "POST", "/connexion", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )[0]
    took = time.perf_counter() - started
    report("corps de 50 Mo", status in (0, 413), f"{status or 'coupé'} en {took:.2f} s")


def probe_timing(base: str, email: str, xff_of) -> None:
    # Four of each: eight failures stay under the per-address limit (ten in five minutes).
    timings = {"compte existant": [], "compte inconnu": []}
    statuses = set()
    for n in range(4):
        for label, address in (
            ("compte existant", email),
            ("compte inconnu", f"personne-{uuid.uuid4().hex[:8]}@exemple.fr"),
        ):
            client = Client(base)
            token = client.token()
            data = {"csrf_token": token, "email": address, "password": "pas-le-bon-mot"}
            started = time.perf_counter()
            statuses.add(client.request("POST", "/connexion", data, xff_of(n))[0])
            timings[label].append((time.perf_counter() - started) * 1000)
    for label, values in timings.items():
        print(f"       connexion refusée, {label} : médiane {statistics.median(values):.0f} ms")
    a, b = (statistics.median(v) for v in timings.values())
    report(
        "même durée pour un compte existant ou inconnu",
        statuses == {401} and abs(a - b) < 0.5 * max(a, b),
        f"réponses {sorted(statuses)}",
    )


def probe_lockout(base: str, email: str, password: str, behind_proxy: bool) -> None:
    stranger = Client(base)
    codes = []
    for n in range(12):
        # Without a configured proxy, a forged X-Forwarded-For must not buy a new address.
        headers = {"X-Forwarded-For": f"198.51.100.{n if not behind_proxy else 66}"}
        codes.append(stranger.login(email, "devine-devine", headers))
    report("la limite arrête un inconnu", 429 in codes, " ".join(map(str, codes)))
    if behind_proxy:
        status = Client(base).login(email, password, {"X-Forwarded-For": "203.0.113.5"})
        report("et seulement lui : un collègue se connecte", status == 302, str(status))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--email")
    parser.add_argument("--password")
    parser.add_argument("--behind-proxy", action="store_true")
    args = parser.parse_args()
    xff = {"X-Forwarded-For": "203.0.113.1"} if args.behind_proxy else {}

    def xff_of(n):
        return {"X-Forwarded-For": f"203.0.113.{100 + n}"} if args.behind_proxy else {}

    probe_headers(args.url, args.behind_proxy)
    probe_bad_input(args.url, args.email, args.password, xff)
    if args.email:
        probe_sessions(args.url, args.email, args.password, xff)
        probe_timing(args.url, args.email, xff_of)
        probe_lockout(args.url, args.email, args.password, args.behind_proxy)
    print(f"{sum(RESULTS)}/{len(RESULTS)} sondes ok")
    sys.exit(0 if all(RESULTS) else 1)


if __name__ == "__main__":
    main()
