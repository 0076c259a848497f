"""Search benchmark: every engine side by side (tantivy, Whoosh, and a bare SQLite FTS5 baseline).

    .venv/bin/python bench/search.py                 # 1,000 and 10,000 demo fiches
    .venv/bin/python bench/search.py --sizes 1000,10000,100000

For each size, one child process builds a scratch SQLite database (geography, référentiels,
`flask seed demo`'s fiches); each engine builds its index in a child of its own (build time, index
size, peak RSS of the build); then one process opens every index and runs the same 20 queries in
interleaved rounds (query by query, engine after engine), in process and through HTTP
(/recherche.json), and times a one-fiche change from its commit until it is found.
Nothing touches instance/.
"""

import argparse
import gc
import http.client
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GEO_DIR = ROOT / "instance" / "territoires"
ROUNDS = 5
ENGINES = ("tantivy", "whoosh")

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


def spread(values: list[float]) -> dict:
    return {f"p{int(q * 100)}": percentile(values, q) for q in (0.5, 0.95, 0.99)}


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def make_app(scratch: Path, engine: str):
    from directory import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch / 'bench.sqlite3'}",
            "TERRITOIRES_DIR": str(GEO_DIR),
            "SEARCH_INDEX_DIR": str(scratch / "index"),
            "SEARCH_BACKEND": engine,
            "SECRET_KEY": "bench",
        }
    )


def typed(filters: dict) -> dict:
    """The filters as the FilterForm gives them (lists for multiple choices)."""
    out = dict(filters)
    for name in ("type", "public"):
        if name in out:
            out[name] = [out[name]]
    return out


# --- Child: the scratch database -----------------------------------------------------------


def create_database(scratch: Path, size: int) -> dict:
    from flask_migrate import upgrade

    from directory.demo.generator import insert_demo
    from directory.extensions import db
    from directory.fiches import referentiels
    from directory.territoires.services import load_reference

    app = make_app(scratch, "tantivy")
    with app.app_context():
        upgrade(directory=str(ROOT / "directory" / "migrations"))
        load_reference(GEO_DIR)
        referentiels.load_referentiels()
        db.session.commit()
        started = time.perf_counter()
        insert_demo(size, progress=False, on_batch=db.session.commit)
        db.session.commit()
        seconds = time.perf_counter() - started
        db.engine.dispose()
    return {"demo_s": seconds}


# --- Child: one engine's build -------------------------------------------------------------


def build(scratch: Path, engine: str) -> dict:
    from directory.extensions import db
    from directory.search.backend import get_backend

    app = make_app(scratch, engine)
    with app.app_context():
        backend = get_backend(app)
        started = time.perf_counter()
        published = backend.rebuild(db.session)
        seconds = time.perf_counter() - started
        db.session.commit()
        backend.close()
        db.engine.dispose()
    return {
        "published": published,
        "build_s": seconds,
        "index_mb": du(scratch / "index" / engine) / 1e6,
        "build_peak_rss_mb": peak_rss_mb(),
    }


# --- Child: the interleaved measures -------------------------------------------------------


def fts5_index(documents: list[dict], db_path: str):
    """The same documents in SQLite FTS5 (unicode61, diacritics removed) and a facet table."""
    conn = sqlite3.connect(db_path, check_same_thread=False)
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
    return conn, time.perf_counter() - started


def fts5_query(conn, q: str, filters: dict) -> int:
    """A bm25-ranked top 20 and a count: no facets, synonyms, typos or stemming."""
    from directory.search.analysis import words

    terms = words(q)
    match = " AND ".join(f'"{t}"*' if len(t) >= 3 else f'"{t}"' for t in terms)
    where, params = ["docs MATCH ?"], [match]
    for name, column in (("type", "type"), ("notification_mdph", "notification")):
        if name in filters:
            where.append(f"f.{column} = ?")
            params.append(filters[name])
    for name in ("departement", "public"):
        if name in filters:
            where.append(f"f.{name} LIKE ?")
            params.append(f"% {filters[name]} %")
    if "age" in filters:
        where.append("f.age_min <= ? AND f.age_max >= ?")
        params += [filters["age"], filters["age"]]
    if "commune" in filters:
        where.append("f.territoire LIKE ?")
        params.append(f"% commune:{filters['commune']} %")
    sql = " AND ".join(where)
    join = "FROM docs JOIN facets f ON f.rowid = docs.rowid"
    conn.execute(
        f"SELECT docs.rowid {join} WHERE {sql} ORDER BY bm25(docs, 6, 6, 3, 2, 1) LIMIT 20", params
    ).fetchall()
    return conn.execute(f"SELECT count(*) {join} WHERE {sql}", params).fetchone()[0]


def serve(scratch: Path, engine: str) -> None:
    """Child: serve the app of one engine on a free port of 127.0.0.1, print the port."""
    from werkzeug.serving import make_server

    from directory.extensions import db
    from directory.search.backend import get_backend

    app = make_app(scratch, engine)
    with app.app_context():
        get_backend(app).ensure(db.session)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=False)
    print(json.dumps({"port": server.server_port}), flush=True)
    server.serve_forever()


class Server:
    """An engine's app served by a child process (see `serve`)."""

    def __init__(self, scratch: Path, engine: str):
        self.process = subprocess.Popen(  # noqa: S603 - this bench/test runs its own code
            [sys.executable, __file__, "--serve", engine, "--database", str(scratch)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        port = json.loads(self.process.stdout.readline())["port"]
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def get(self, path: str) -> None:
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)

    def stop(self) -> float:
        """Stop the server; return its peak RSS in MB."""
        with open(f"/proc/{self.process.pid}/status") as handle:
            peak = next(int(line.split()[1]) for line in handle if line.startswith("VmHWM"))
        self.connection.close()
        self.process.terminate()
        self.process.wait(timeout=30)
        return peak / 1024


def measure(scratch: Path) -> dict:
    from sqlalchemy import select

    from directory.extensions import db
    from directory.fiches.models import Fiche, Statut
    from directory.search import documents
    from directory.search.backend import SearchRequest, get_backend

    out: dict = {"engines": {e: {} for e in ENGINES}}
    apps = {e: make_app(scratch, e) for e in ENGINES}
    requests = [SearchRequest(q=q, filters=typed(f)) for q, f in QUERIES]
    backends, contexts = {}, {}
    for engine, app in apps.items():
        contexts[engine] = app.app_context()
    # Open each index and warm it (caches per segment, stemmer cache): the memory it adds.
    for engine in ENGINES:
        before = rss_mb()
        with contexts[engine]:
            backend = backends[engine] = get_backend(apps[engine])
            started = time.perf_counter()
            backend.ensure(db.session)
            out["engines"][engine]["open_ms"] = (time.perf_counter() - started) * 1000
            for r in requests:
                backend.search(r)
        out["engines"][engine]["rss_added_mb"] = rss_mb() - before

    with contexts["tantivy"]:
        docs = [d for d in documents.all_documents(db.session) if d["kind"] == "fiche"]
        db.session.remove()
    conn, out["fts5_build_s"] = fts5_index(docs, str(scratch / "fts5.sqlite3"))
    del docs
    for q, f in QUERIES:
        fts5_query(conn, q, f)

    # Both engines' warm caches live in this one process: keep the collector from scanning
    # them at every collection (a process of production holds one engine only).
    gc.collect()
    gc.freeze()
    # In process, interleaved: each query, engine after engine, then FTS5; five rounds.
    timings = {e: [] for e in (*ENGINES, "fts5")}
    same, totals = 0, {e: [] for e in ENGINES}
    for round_ in range(ROUNDS):
        for index, r in enumerate(requests):
            results = {}
            for engine in ENGINES:
                with contexts[engine]:
                    t = time.perf_counter()
                    results[engine] = backends[engine].search(r)
                    timings[engine].append((time.perf_counter() - t) * 1000)
                    db.session.remove()
            t = time.perf_counter()
            fts5_query(conn, *QUERIES[index])
            timings["fts5"].append((time.perf_counter() - t) * 1000)
            if round_ == 0:
                a, b = results["tantivy"], results["whoosh"]
                same += a.total == b.total and a.facets == b.facets
                for engine in ENGINES:
                    totals[engine].append(results[engine].total)
    out["same_totals_and_facets"] = same
    out["fts5"] = spread(timings["fts5"])
    for engine in ENGINES:
        out["engines"][engine].update(spread(timings[engine]))
        out["engines"][engine]["median_total"] = sorted(totals[engine])[len(QUERIES) // 2]

    # HTTP, interleaved the same way: one single-threaded server per engine, each in a process
    # of its own (as in production: one engine per worker, its own heap and peak memory).
    servers = {e: Server(scratch, e) for e in ENGINES}
    http_timings = {e: [] for e in ENGINES}
    try:
        for round_ in range(ROUNDS + 1):
            for q, f in QUERIES:
                for engine in ENGINES:
                    t = time.perf_counter()
                    servers[engine].get("/recherche.json?" + urlencode({"q": q, **f}))
                    if round_:  # the first round warms up
                        http_timings[engine].append((time.perf_counter() - t) * 1000)
    finally:
        for engine in ENGINES:
            out["engines"][engine]["server_peak_rss_mb"] = servers[engine].stop()
    for engine in ENGINES:
        timings_ = spread(http_timings[engine])
        out["engines"][engine].update({f"http_{k}": v for k, v in timings_.items()})

    # One fiche changed through the ORM: its commit (with this process's index write), and the
    # time from the commit's start until a search finds it.
    for engine in ENGINES:
        with contexts[engine]:
            ids = list(
                db.session.scalars(select(Fiche.id).where(Fiche.status == Statut.PUBLIEE).limit(5))
            )
            commits, visible = [], []
            for n, fiche_id in enumerate(ids):
                word = f"mot{n}banc{engine}"
                fiche = db.session.get(Fiche, fiche_id)
                fiche.summary = f"{fiche.summary} {word}"
                db.session.flush()
                t = time.perf_counter()
                db.session.commit()
                commits.append((time.perf_counter() - t) * 1000)
                backends[engine].ensure(db.session)
                found = backends[engine].search(SearchRequest(q=word)).hits
                visible.append((time.perf_counter() - t) * 1000)
                assert [h.slug for h in found] == [fiche.slug], (engine, word)
            db.session.remove()
        out["engines"][engine]["update_ms"] = sorted(commits)[len(commits) // 2]
        out["engines"][engine]["visible_ms"] = sorted(visible)[len(visible) // 2]
    for engine in ENGINES:
        backends[engine].close()
        with contexts[engine]:
            db.engine.dispose()
    conn.close()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


# --- Parent --------------------------------------------------------------------------------


def child(*args: str) -> dict:
    result = subprocess.run(  # noqa: S603 - this bench/test runs its own code
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    if result.returncode:
        print(result.stderr[-4000:], file=sys.stderr)
        sys.exit(result.returncode)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_size(size: int) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix=f"bench-search-{size}-"))
    try:
        report = {"fiches": size, **child("--database", str(scratch), "--size", str(size))}
        report["builds"] = {e: child("--build", e, "--database", str(scratch)) for e in ENGINES}
        report.update(child("--measure", "--database", str(scratch)))
        return report
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "—"


def print_report(r: dict) -> None:
    published = r["builds"]["tantivy"]["published"]
    f = r["fts5"]
    print(f"\n== {r['fiches']:,} fiches de démonstration ({published:,} publiées) ==")
    print(
        f"mêmes totaux et mêmes facettes tantivy / Whoosh : "
        f"{r['same_totals_and_facets']}/{len(QUERIES)} requêtes"
    )
    whoosh = r["engines"]["whoosh"]
    rows = [
        (
            "moteur",
            "p50",
            "p95",
            "p99",
            "HTTP p50",
            "HTTP p95",
            "HTTP p99",
            "construction",
            "taille",
            "pic RSS constr.",
            "pic RSS serveur",
            "modif. (commit)",
            "trouvée après",
        ),
    ]
    for engine in ENGINES:
        e, b = r["engines"][engine], r["builds"][engine]
        rows.append(
            (
                engine,
                f"{e['p50']:.1f} ms",
                f"{e['p95']:.1f} ms",
                f"{e['p99']:.1f} ms",
                f"{e['http_p50']:.1f} ms",
                f"{e['http_p95']:.1f} ms",
                f"{e['http_p99']:.1f} ms",
                f"{b['build_s']:.1f} s",
                f"{b['index_mb']:.1f} Mo",
                f"{b['build_peak_rss_mb']:.0f} Mo",
                f"{e['server_peak_rss_mb']:.0f} Mo",
                f"{e['update_ms']:.1f} ms",
                f"{e['visible_ms']:.1f} ms",
            )
        )
    rows.append(
        (
            "FTS5 nu",
            f"{f['p50']:.2f} ms",
            f"{f['p95']:.2f} ms",
            f"{f['p99']:.2f} ms",
            "",
            "",
            "",
            f"{r['fts5_build_s']:.1f} s",
            "",
            "",
            "",
            "",
            "",
        )
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    print("rapports (p50 / p95 ; HTTP p95 / FTS5 p95) :")
    for engine in ENGINES:
        e = r["engines"][engine]
        print(
            f"  {engine} : / Whoosh {ratio(e['p50'], whoosh['p50'])} / "
            f"{ratio(e['p95'], whoosh['p95'])} ; / FTS5 {ratio(e['p50'], f['p50'])} / "
            f"{ratio(e['p95'], f['p95'])} ; HTTP p95 / FTS5 p95 "
            f"{ratio(e['http_p95'], f['p95'])}"
        )
    print(
        f"({len(QUERIES)} requêtes × {ROUNDS} tours entrelacés ; médiane des totaux "
        f"{r['engines']['tantivy']['median_total']:,} ; pic RSS du processus de mesure "
        f"{r['peak_rss_mb']:.0f} Mo ; base démo créée en {r['demo_s']:.0f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    # Child processes:
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--build", help=argparse.SUPPRESS)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        scratch = Path(args.database)
        if args.size:
            print(json.dumps(create_database(scratch, args.size)))
        elif args.build:
            print(json.dumps(build(scratch, args.build)))
        elif args.measure:
            print(json.dumps(measure(scratch)))
        elif args.serve:
            serve(scratch, args.serve)
        return
    print(f"charge de la machine : {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}", flush=True)
    for size in (int(s) for s in args.sizes.split(",")):
        print_report(run_size(size))
        print(f"charge de la machine : {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
