"""Map benchmark: /carte and /carte/fiches.geojson sizes and server times, and the time until
the first markers show in headless Chromium, with 100, 1,000 and 10,000 demo fiches.

    .venv/bin/python bench/map.py
    .venv/bin/python bench/map.py --sizes 100,1000

Each size runs on a scratch SQLite database (geography, référentiels, `flask seed demo`'s
fiches); nothing touches instance/. Aim at 10,000 fiches: page + data under 2 MB on the wire
(gzip) and markers shown in under 2 s.
"""

import argparse
import gzip
import http.client
import logging
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GEO_DIR = ROOT / "instance" / "territoires"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROUNDS = 5
AIM_BYTES = 2_000_000
AIM_SECONDS = 2.0


def fetch(port: int, path: str) -> tuple[float, int, int]:
    """GET a path with gzip accepted: (server time in s, bytes on the wire, bytes unzipped)."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    start = time.perf_counter()
    connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - start
    connection.close()
    assert response.status == 200, (path, response.status)
    plain = gzip.decompress(body) if response.getheader("Content-Encoding") == "gzip" else body
    return elapsed, len(body), len(plain)


def timed(port: int, path: str) -> dict:
    runs = [fetch(port, path) for _ in range(ROUNDS)]
    return {
        "ms": statistics.median(r[0] for r in runs) * 1000,
        "wire": runs[0][1],
        "raw": runs[0][2],
    }


def first_markers(base: str) -> tuple[float, int, list[str]]:
    """Open /carte in Chromium, offline: seconds until markers show, their count, outside URLs."""
    from playwright.sync_api import sync_playwright

    outside: list[str] = []

    def route(r):
        if urlsplit(r.request.url).hostname == "127.0.0.1" or r.request.url.startswith("data:"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        page.route("**/*", route)
        page.goto(base + "/carte", wait_until="commit")  # warm-up: caches off the measure
        page.wait_for_selector(".map-marker, .marker-cluster", timeout=60_000)
        best = []
        for _ in range(3):
            context = browser.new_context()
            fresh = context.new_page()
            fresh.route("**/*", route)
            start = time.perf_counter()
            fresh.goto(base + "/carte", wait_until="commit")
            fresh.wait_for_selector(".map-marker, .marker-cluster", timeout=60_000)
            best.append(time.perf_counter() - start)
            count = int(fresh.locator(".folium-map").get_attribute("data-markers") or 0)
            context.close()
        browser.close()
    return statistics.median(best), count, outside


def measure(size: int) -> dict:
    """Build a scratch database with `size` demo fiches, serve it, measure."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from directory import create_app
    from directory.demo.generator import insert_demo
    from directory.extensions import db
    from directory.fiches import referentiels
    from directory.territoires.services import load_reference

    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch}/bench.sqlite3",
                "TERRITOIRES_DIR": str(GEO_DIR),
                "SEARCH_INDEX_DIR": f"{scratch}/search",
            }
        )
        with app.app_context():
            upgrade(directory=str(ROOT / "directory" / "migrations"))
            load_reference(GEO_DIR)
            referentiels.load_referentiels()
            insert_demo(size, progress=False, on_batch=db.session.commit)
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.server_port
        try:
            result = {
                "size": size,
                "page": timed(port, "/carte"),
                "geojson": timed(port, "/carte/fiches.geojson"),
            }
            seconds, count, outside = first_markers(f"http://127.0.0.1:{port}")
            result.update(markers_s=seconds, markers=count, outside=outside)
        finally:
            server.shutdown()
            with app.app_context():
                db.engine.dispose()
    return result


def kb(n: int) -> str:
    return f"{n / 1000:,.0f} kB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    header = (
        f"{'fiches':>7} | {'page (wire/raw)':>19} {'ms':>6} | {'GeoJSON (wire/raw)':>21} "
        f"{'ms':>6} | {'markers':>7} {'shown in':>9} | aim"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for size in sizes:
        r = measure(size)
        wire = r["page"]["wire"] + r["geojson"]["wire"]
        met = wire < AIM_BYTES and r["markers_s"] < AIM_SECONDS and not r["outside"]
        ok = ok and (met or size != 10_000)
        print(
            f"{size:>7,} | {kb(r['page']['wire']):>9}/{kb(r['page']['raw']):>9} "
            f"{r['page']['ms']:>6.0f} | "
            f"{kb(r['geojson']['wire']):>10}/{kb(r['geojson']['raw']):>10} "
            f"{r['geojson']['ms']:>6.0f} | {r['markers']:>7,} {r['markers_s']:>8.2f}s | "
            f"{'oui' if met else 'NON'} (page + données {kb(wire)}"
            f"{', requêtes hors 127.0.0.1 : ' + str(len(r['outside'])) if r['outside'] else ''})"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
