"""Search benchmark: index build, size, latency (in process and HTTP), FTS5 baseline, memory.

    .venv/bin/python bench/search.py                 # 1,000 and 10,000 demo fiches
    .venv/bin/python bench/search.py --sizes 1000,10000,100000

Each size runs in a child process of its own (clean peak memory), on a scratch SQLite database
with the geography, the référentiels and `flask seed demo`'s fiches; nothing touches instance/.
"""

import argparse
import http.client
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GEO_DIR = ROOT / "instance" / "territoires"
ROUNDS = 5

# A fixed mixed set: one and two words, accents, acronyms, filters, prefixes, typos.
QUERIES = [
    ("autisme", {}),
    ("répit aidants", {}),
    ("PCO", {}),
    ("handicapés psychiques", {"departement": "57"}),
    ("scolarisaton", {}),
    ("coordinat", {}),
    ("PCPE Metz", {}),
    ("autisme adulte Épinal", {}),
    ("sessad", {"age": 8}),
    ("plateforme", {"type": "plateforme-repit"}),
    ("handicap", {"commune": "54395"}),
    ("accompagnement", {"notification_mdph": "oui"}),
    ("équipe mobile", {"departement": "67"}),
    ("polyhandicap enfants", {}),
    ("MAIA", {}),
    ("troubles du neurodéveloppement", {}),
    ("accueil de jour", {"departement": "88"}),
    ("insertion professionnelle", {}),
    ("dac", {"commune": "88160"}),
    ("soutien", {"public": "aidants"}),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fts5_baseline(documents: list[dict], db_path: str) -> dict:
    """The same queries through SQLite FTS5 (unicode61, diacritics removed), bm25-ranked."""
    from directory.search.analysis import words

    conn = sqlite3.connect(db_path)
    conn.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(nom, sigle, type_text, resume, body, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    conn.execute(
        "CREATE TABLE facets (rowid INTEGER PRIMARY KEY, type TEXT, departement TEXT, "
        "territoire TEXT, public TEXT, notification TEXT, age_min INT, age_max INT)"
    )
    started = time.perf_counter()
    for rowid, d in enumerate(documents, start=1):
        conn.execute(
            "INSERT INTO docs(rowid, nom, sigle, type_text, resume, body) VALUES (?,?,?,?,?,?)",
            (rowid, d["nom"], d["sigle"], d["type_text"], d["resume"], d["body"]),
        )
        conn.execute(
            "INSERT INTO facets VALUES (?,?,?,?,?,?,?,?)",
            (
                rowid,
                d["type"],
                f" {d['departement']} ",
                f" {d['territoire']} ",
                f" {d['public']} ",
                d["notification_mdph"],
                d["age_min"],
                d["age_max"],
            ),
        )
    conn.commit()
    build = time.perf_counter() - started

    def run(q: str, filters: dict):
        terms = words(q)
        match = " AND ".join(f'"{t}"*' if len(t) >= 3 else f'"{t}"' for t in terms)
        where, params = ["docs MATCH ?"], [match]
        if "type" in filters:
            where.append("f.type = ?")
            params.append(filters["type"])
        if "departement" in filters:
            where.append("f.departement LIKE ?")
            params.append(f"% {filters['departement']} %")
        if "public" in filters:
            where.append("f.public LIKE ?")
            params.append(f"% {filters['public']} %")
        if "notification_mdph" in filters:
            where.append("f.notification = ?")
            params.append(filters["notification_mdph"])
        if "age" in filters:
            where.append("f.age_min <= ? AND f.age_max >= ?")
            params += [filters["age"], filters["age"]]
        if "commune" in filters:
            where.append("f.territoire LIKE ?")
            params.append(f"% commune:{filters['commune']} %")
        sql = " AND ".join(where)
        # S608: `sql` joins fixed clauses; every value is a bound parameter.
        conn.execute(
            f"SELECT docs.rowid FROM docs JOIN facets f ON f.rowid = docs.rowid WHERE {sql} "  # noqa: S608
            "ORDER BY bm25(docs, 6, 6, 3, 2, 1) LIMIT 20",
            params,
        ).fetchall()
        conn.execute(
            f"SELECT count(*) FROM docs JOIN facets f ON f.rowid = docs.rowid WHERE {sql}",  # noqa: S608
            params,
        ).fetchone()

    timings = []
    for q, f in QUERIES:
        run(q, f)
    for _ in range(ROUNDS):
        for q, f in QUERIES:
            t = time.perf_counter()
            run(q, f)
            timings.append((time.perf_counter() - t) * 1000)
    conn.close()
    return {
        "build_s": build,
        "p50_ms": percentile(timings, 0.5),
        "p95_ms": percentile(timings, 0.95),
    }


def measure(size: int) -> dict:
    """Run every measure at one size, in this process."""
    from flask_migrate import upgrade
    from sqlalchemy import select
    from werkzeug.serving import make_server

    from directory import create_app
    from directory.extensions import db
    from directory.fiches import referentiels
    from directory.fiches.demo import insert_demo
    from directory.fiches.models import Fiche, Statut
    from directory.search import documents
    from directory.search.backend import SearchRequest, get_backend
    from directory.territoires.services import load_reference

    scratch = Path(tempfile.mkdtemp(prefix=f"bench-search-{size}-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch / 'bench.sqlite3'}",
            "TERRITOIRES_DIR": str(GEO_DIR),
            "SEARCH_INDEX_DIR": str(scratch / "index"),
            "SECRET_KEY": "bench",
        }
    )
    out: dict = {"fiches": size}
    with app.app_context():
        upgrade(directory=str(ROOT / "directory" / "migrations"))
        load_reference(GEO_DIR)
        referentiels.load_referentiels()
        db.session.commit()
        insert_demo(size, progress=False, on_batch=db.session.commit)
        db.session.commit()
        backend = get_backend(app)
        started = time.perf_counter()
        out["published"] = backend.rebuild(db.session)
        out["build_s"] = time.perf_counter() - started
        out["index_mb"] = du(scratch / "index") / 1e6

        requests = [SearchRequest(q=q, filters=_typed(f)) for q, f in QUERIES]
        started = time.perf_counter()
        backend.close()
        backend.searcher()
        out["open_searcher_ms"] = (time.perf_counter() - started) * 1000
        for r in requests:  # warm-up: caches per segment, stemmer cache
            backend.search(r)
        timings, totals = [], []
        for _ in range(ROUNDS):
            for r in requests:
                t = time.perf_counter()
                result = backend.search(r)
                timings.append((time.perf_counter() - t) * 1000)
                totals.append(result.total)
        out["p50_ms"], out["p95_ms"] = percentile(timings, 0.5), percentile(timings, 0.95)
        out["median_hits"] = statistics.median(totals)

        # One fiche changed through the ORM: the commit's index update, and the first search.
        ids = db.session.scalars(select(Fiche.id).where(Fiche.status == Statut.PUBLIEE).limit(5))
        updates, first_search = [], []
        for n, fiche_id in enumerate(list(ids)):
            fiche = db.session.get(Fiche, fiche_id)
            fiche.summary = f"{fiche.summary} mot{n}banc"
            db.session.flush()
            t = time.perf_counter()
            db.session.commit()
            updates.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            backend.search(requests[0])
            first_search.append((time.perf_counter() - t) * 1000)
        out["update_ms"] = statistics.median(updates)
        out["search_after_update_ms"] = statistics.median(first_search)
        out["peak_rss_mb_after_build"] = peak_rss_mb()

        server = make_server("127.0.0.1", 0, app, threaded=False)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        http_timings = []
        for round_ in range(ROUNDS + 1):
            for q, f in QUERIES:
                t = time.perf_counter()
                conn.request("GET", "/recherche.json?" + urlencode({"q": q, **f}))
                response = conn.getresponse()
                response.read()
                assert response.status == 200, (q, f, response.status)
                if round_:
                    http_timings.append((time.perf_counter() - t) * 1000)
        conn.close()
        server.shutdown()
        out["http_p50_ms"] = percentile(http_timings, 0.5)
        out["http_p95_ms"] = percentile(http_timings, 0.95)

        docs = [d for d in documents.all_documents(db.session) if d["kind"] == "fiche"]
        out["fts5"] = fts5_baseline(docs, str(scratch / "fts5.sqlite3"))
        out["peak_rss_mb"] = peak_rss_mb()
        backend.close()
        db.engine.dispose()
    shutil.rmtree(scratch, ignore_errors=True)
    return out


def _typed(filters: dict) -> dict:
    typed = dict(filters)
    for name in ("type", "public"):
        if name in typed:
            typed[name] = [typed[name]]
    return typed


def report(r: dict) -> None:
    f = r["fts5"]
    print(f"\n== {r['fiches']:,} fiches de démonstration ({r['published']:,} publiées) ==")
    print(f"index Whoosh : construit en {r['build_s']:.1f} s, {r['index_mb']:.1f} Mo")
    print(f"ouverture d'un searcher : {r['open_searcher_ms']:.0f} ms (une fois par processus)")
    print(
        f"recherche en processus : p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms "
        f"({len(QUERIES)} requêtes × {ROUNDS}, médiane {r['median_hits']:.0f} résultats)"
    )
    print(
        f"recherche en HTTP (/recherche.json) : p50 {r['http_p50_ms']:.1f} ms, "
        f"p95 {r['http_p95_ms']:.1f} ms"
    )
    print(
        f"mise à jour d'une fiche (commit + index) : {r['update_ms']:.1f} ms ; "
        f"recherche suivante : {r['search_after_update_ms']:.1f} ms"
    )
    print(
        f"référence SQLite FTS5 : construite en {f['build_s']:.1f} s, "
        f"p50 {f['p50_ms']:.1f} ms, p95 {f['p95_ms']:.1f} ms (sans facettes, synonymes ni fautes)"
    )
    print(
        f"mémoire : pic RSS {r['peak_rss_mb_after_build']:.0f} Mo après construction, "
        f"{r['peak_rss_mb']:.0f} Mo en fin de mesure"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return
    for size in (int(s) for s in args.sizes.split(",")):
        child = subprocess.run(  # noqa: S603 - this very script, with our own arguments
            [sys.executable, __file__, "--one", str(size)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        if child.returncode:
            print(child.stderr[-3000:], file=sys.stderr)
            sys.exit(child.returncode)
        report(json.loads(child.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
