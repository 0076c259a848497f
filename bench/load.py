"""Load benchmark: gunicorn (2 workers) on 127.0.0.1 serving 10,000 demo fiches, mixed traffic.

    .venv/bin/python bench/load.py                               # SQLite, 10 then 50 clients
    .venv/bin/python bench/load.py --clients 10,50 --seconds 30
    .venv/bin/python bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
    .venv/bin/python bench/load.py --workdir /tmp/load            # keep (and reuse) the data

The scratch instance is built with the project's own commands (`flask db upgrade`, `territoires
load`, `seed load`, `seed demo --count N`, `search rebuild`) on a SQLite file in a temporary
folder, or in a schema `bench_load` of the PostgreSQL database given (dropped and made again);
nothing touches instance/. The app runs in production mode under gunicorn, 2 sync workers, on a
socket bound to a free port of 127.0.0.1.

Traffic: home, lists (/fiches pages and filters, type pages), fiche pages, search, « qui
intervient », the map's GeoJSON, picked at random with fixed weights. Which fiche, commune or
list page is asked for follows a popularity law: "zipf" (a few often, most rarely, as visits
usually are) then "uniform" (every fiche equally likely: the caches help least). Each phase runs
a fixed time, then waits for the requests in flight (bounded too).

The load generator is this script: an asyncio HTTP/1.1 client in one Python process, one
connection per simulated client (re-opened when the server closes it: sync workers do), gzip
accepted, bodies read whole. It shares the machine's cores with the server: its own CPU use is
printed beside the figures, with the server's, the rest of the machine's and the load average.
Aim: fiche pages >= 200 req/s, every route's p95 <= 200 ms at 50 clients, zero errors.
"""

import argparse
import asyncio
import itertools
import os
import platform
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
GEO_DIR = ROOT / "instance" / "territoires"
SCHEMA = "bench_load"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
DRAIN_SECONDS = 30  # the longest wait for requests in flight at the end of a phase
AIM_FICHE_RPS, AIM_P95_MS = 200, 200

# route → weight (share of the requests, out of 100)
WEIGHTS = {
    "accueil": 10,
    "liste": 15,
    "fiche": 40,
    "recherche": 15,
    "qui-intervient": 12,
    "geojson": 8,
}
SEARCH_WORDS = (
    "autisme",
    "répit aidants",
    "PCPE",
    "handicap psychique",
    "scolarisation",
    "équipe mobile",
    "polyhandicap enfants",
    "accueil de jour",
    "insertion professionnelle",
    "Metz",
    "Épinal autisme",
    "coordination",
)
DEPARTEMENTS = ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88")


# --- The scratch instance and the server --------------------------------------------------


def environment(workdir: Path, database_url: str) -> dict:
    """Return the environment of the app's commands and of gunicorn: production mode."""
    env = dict(os.environ)
    env.update(
        FLASK_APP="wsgi",
        DIRECTORY_ENV="production",
        DIRECTORY_SECRET_KEY=os.urandom(24).hex(),
        DIRECTORY_SITE_URL="http://127.0.0.1",
        DIRECTORY_TRUSTED_HOSTS="127.0.0.1",
        DIRECTORY_SQLALCHEMY_DATABASE_URI=database_url,
        DIRECTORY_TERRITOIRES_DIR=str(GEO_DIR),
        DIRECTORY_SEARCH_INDEX_DIR=str(workdir / "search"),
        DIRECTORY_OUTBOX_DIR=str(workdir / "outbox"),
    )
    env.pop("DATABASE_URL", None)
    return env


def database_url(args, workdir: Path) -> str:
    if not args.database_url:
        return "sqlite:///" + str(workdir / "load.sqlite3")
    separator = "&" if "?" in args.database_url else "?"
    return f"{args.database_url}{separator}options=-csearch_path%3D{SCHEMA}"


def reset_schema(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()


def prepare(args, workdir: Path, env: dict) -> None:
    """Build the scratch instance with the project's commands (skipped when already built)."""
    marker = workdir / f"prepared-{args.count}-{'pg' if args.database_url else 'sqlite'}"
    steps = [
        ["db", "upgrade"],
        ["territoires", "load"],
        ["seed", "load"],
        ["seed", "demo", "--count", str(args.count)],
        ["search", "rebuild"],
    ]
    if marker.exists():
        print(f"Reusing the instance prepared in {workdir} (migrated to the head)")
        steps = steps[:1]
    elif args.database_url:
        reset_schema(args.database_url)
    flask = [str(VENV_BIN / "flask")]
    for step in steps:
        start = time.perf_counter()
        done = subprocess.run(flask + step, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603 - the project's own flask command
        if done.returncode != 0:
            sys.exit(f"flask {' '.join(step)} failed:\n{done.stderr[-3000:]}")
        print(f"  flask {' '.join(step)}: {time.perf_counter() - start:.1f} s")
    marker.touch()


def popularity(data: dict, law: str) -> dict:
    """Add data["pick"](rng, name): an item of a list, all equally likely ("uniform"), or as
    visits usually are, a few often and most rarely ("zipf": the k-th most visited item, in a
    fixed shuffled order, is visited in proportion to 1/k)."""
    data = {**data, "pages": list(range(1, max(2, len(data["slugs"]) // 20)))}
    cumulative = {}
    for name in ("slugs", "communes", "pages"):
        items = list(data[name])
        random.Random(name).shuffle(items)  # noqa: S311 - a fixed shuffle, not a secret
        data[name] = items
        weights = [1.0 / (k + 1) for k in range(len(items))]
        cumulative[name] = list(itertools.accumulate(weights))

    def pick(rng: random.Random, name: str):
        if law == "uniform":
            return rng.choice(data[name])
        return rng.choices(data[name], cum_weights=cumulative[name])[0]

    data["pick"] = pick
    return data


def targets(url: str) -> dict[str, list[str]]:
    """Read from the scratch database what the traffic asks for: slugs, types, communes."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:

        def column(sql: str) -> list[str]:
            return [row[0] for row in connection.execute(text(sql))]

        slugs = column("SELECT slug FROM fiches WHERE status = 'publiee' ORDER BY id")
        types = column("SELECT DISTINCT type_code FROM fiches WHERE status = 'publiee' ORDER BY 1")
        communes = column(
            "SELECT DISTINCT commune_code FROM fiches WHERE commune_code IS NOT NULL ORDER BY 1"
        )
    engine.dispose()
    if not slugs:  # the enum may be stored by value
        raise SystemExit("no published fiche found in the scratch database")
    return {"slugs": slugs, "types": types, "communes": communes}


def free_socket() -> socket.socket:
    """Bind a listening socket on a free port of 127.0.0.1, handed to gunicorn (no race)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener


def start_server(env: dict, workers: int, workdir: Path) -> tuple[subprocess.Popen, int]:
    listener = free_socket()
    port = listener.getsockname()[1]
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115  (kept open for the server's life)
    command = [
        str(VENV_BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--bind",
        f"fd://{listener.fileno()}",
        "--backlog",
        "2048",
        "--timeout",
        "60",
        "--access-logfile",
        "-",
        "--access-logformat",
        "%(s)s %(m)s %(U)s %(L)s",  # the path without the query string (see docs/deploy.md)
        "wsgi:app",
    ]
    server = subprocess.Popen(  # noqa: S603 - the project's own gunicorn
        command,
        cwd=ROOT,
        env={**env, "DIRECTORY_SITE_URL": f"http://127.0.0.1:{port}"},
        stdout=log,
        stderr=subprocess.STDOUT,
        pass_fds=(listener.fileno(),),
    )
    listener.close()
    return server, port


def wait_ready(port: int, server: subprocess.Popen, workers: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn stopped; see gunicorn.log")
        if len(children(server.pid)) >= workers:
            try:
                status, _ = asyncio.run(fetch_once(port, "/"))
                if status == 200:
                    return
            except OSError:
                pass
        time.sleep(0.2)
    sys.exit("gunicorn did not answer in time")


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return total / CLOCK_TICKS


def machine_busy() -> tuple[float, float]:
    """Return (busy, total) CPU seconds of the whole machine since boot, all cores."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- The load generator ------------------------------------------------------------------


@dataclass
class Sample:
    route: str
    seconds: float
    status: int
    size: int


@dataclass
class Phase:
    clients: int
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    wall: float = 0.0


class Connection:
    """One keep-alive HTTP/1.1 connection, re-opened when the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def get(self, path: str) -> tuple[int, int]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n"
            "User-Agent: bench-load\r\n\r\n"
        )
        self.writer.write(request.encode())
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed before the status line")
        status = int(status_line.split()[1])
        headers = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        size = await self._body(headers)
        if headers.get("connection", "").lower() == "close" or status_line.startswith(b"HTTP/1.0"):
            await self.close()
        return status, size

    async def _body(self, headers: dict) -> int:
        if "content-length" in headers:
            return len(await self.reader.readexactly(int(headers["content-length"])))
        if headers.get("transfer-encoding", "").lower() == "chunked":
            size = 0
            while True:
                length = int((await self.reader.readline()).split(b";")[0], 16)
                await self.reader.readexactly(length + 2)  # the chunk and its CRLF
                size += length
                if length == 0:
                    return size
        body = await self.reader.read()
        await self.close()
        return len(body)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None


async def fetch_once(port: int, path: str) -> tuple[int, int]:
    connection = Connection(port)
    try:
        return await connection.get(path)
    finally:
        await connection.close()


def path_for(route: str, rng: random.Random, data: dict) -> str:
    """Return a URL of a route, as a visitor would ask for it."""
    if route == "accueil":
        return "/"
    if route == "fiche":
        return "/fiches/" + data["pick"](rng, "slugs")
    if route == "liste":
        pick = rng.random()
        if pick < 0.4:
            return f"/fiches?page={data['pick'](rng, 'pages')}"
        if pick < 0.7:
            return "/fiches?" + urlencode({"departement": rng.choice(DEPARTEMENTS)})
        if pick < 0.85:
            return "/fiches?" + urlencode({"type": rng.choice(data["types"])})
        return "/types/" + rng.choice(data["types"])
    if route == "recherche":
        return "/recherche?" + urlencode({"q": rng.choice(SEARCH_WORDS)})
    if route == "qui-intervient":
        return "/qui-intervient?" + urlencode({"commune": data["pick"](rng, "communes")})
    if route == "geojson":
        if rng.random() < 0.7:
            return "/carte/fiches.geojson"
        return "/carte/fiches.geojson?" + urlencode({"type": rng.choice(data["types"])})
    raise ValueError(route)


async def client(port: int, phase: Phase, deadline: float, seed: int, data: dict) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible traffic, not a secret
    routes, weights = list(WEIGHTS), list(WEIGHTS.values())
    connection = Connection(port)
    try:
        while time.monotonic() < deadline:
            route = rng.choices(routes, weights)[0]
            path = path_for(route, rng, data)
            start = time.perf_counter()
            try:
                status, size = await connection.get(path)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
                await connection.close()
                key = f"{route}: {type(exc).__name__}"
                phase.failures[key] = phase.failures.get(key, 0) + 1
                continue
            phase.samples.append(Sample(route, time.perf_counter() - start, status, size))
    finally:
        await connection.close()


async def run_phase(port: int, clients: int, seconds: float, data: dict) -> Phase:
    phase = Phase(clients, seconds)
    start = time.monotonic()
    deadline = start + seconds
    tasks = [
        asyncio.create_task(client(port, phase, deadline, 1000 * clients + i, data))
        for i in range(clients)
    ]
    done, pending = await asyncio.wait(tasks, timeout=seconds + DRAIN_SECONDS)
    for task in pending:
        task.cancel()
        phase.failures["unfinished at the end of the phase"] = (
            phase.failures.get("unfinished at the end of the phase", 0) + 1
        )
    phase.wall = time.monotonic() - start
    return phase


# --- Figures -----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(phase: Phase, cpu: dict, law: str) -> bool:
    """Print a phase's table; return True when it meets the aim."""
    print(
        f"\n== {phase.clients} clients, {law} popularity, {phase.seconds:.0f} s "
        f"(measured {phase.wall:.1f} s) =="
    )
    header = (
        f"{'route':<15} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6} {'kB/resp':>8}"
    )
    print(header)
    print("-" * len(header))
    met = True
    for route in [*WEIGHTS, "total"]:
        rows = [s for s in phase.samples if route in ("total", s.route)]
        failures = sum(
            n for k, n in phase.failures.items() if route == "total" or k.startswith(route)
        )
        errors = sum(1 for s in rows if s.status >= 400) + failures
        if not rows:
            print(f"{route:<15} {0:>8} {'-':>7} {'-':>7} {'-':>7} {'-':>7} {errors:>6}")
            met = False
            continue
        times = [s.seconds * 1000 for s in rows]
        rps = len(rows) / phase.seconds
        p95 = percentile(times, 0.95)
        print(
            f"{route:<15} {len(rows):>8} {rps:>7.1f} {percentile(times, 0.50):>7.0f} "
            f"{p95:>7.0f} {percentile(times, 0.99):>7.0f} {errors:>6} "
            f"{sum(s.size for s in rows) / len(rows) / 1000:>8.1f}"
        )
        met = met and errors == 0 and p95 <= AIM_P95_MS
        if route == "fiche":
            met = met and rps >= AIM_FICHE_RPS
    for key, count in sorted(phase.failures.items()):
        print(f"  failure: {key} × {count}")
    statuses = sorted({s.status for s in phase.samples if s.status >= 400})
    if statuses:
        print(f"  HTTP error statuses: {', '.join(map(str, statuses))}")
    cores = os.cpu_count() or 1
    print(
        f"CPU over the phase (100 % = one core, {cores} cores): server {cpu['server']:.0f} %, "
        f"load generator {cpu['generator']:.0f} %, rest of the machine {cpu['others']:.0f} %; "
        f"load average {cpu['loadavg']}"
    )
    print(f"Aim at {phase.clients} clients ({law}): {'met' if met else 'NOT met'}")
    return met


def measure(port: int, server: subprocess.Popen, clients: int, seconds: float, data: dict):
    pids = [server.pid, *children(server.pid)]
    busy0, total0 = machine_busy()
    server0, own0 = cpu_seconds(pids), own_cpu()
    phase = asyncio.run(run_phase(port, clients, seconds, data))
    busy1, total1 = machine_busy()
    pids = [server.pid, *children(server.pid)]
    elapsed = (total1 - total0) / (os.cpu_count() or 1) or phase.wall
    server_cpu = cpu_seconds(pids) - server0
    generator_cpu = own_cpu() - own0
    cpu = {
        "server": 100 * server_cpu / elapsed,
        "generator": 100 * generator_cpu / elapsed,
        "others": 100 * max(0.0, (busy1 - busy0) - server_cpu - generator_cpu) / elapsed,
        "loadavg": " / ".join(f"{v:.2f}" for v in os.getloadavg()),
    }
    return phase, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="demo fiches (default 10,000)")
    parser.add_argument("--clients", default="10,50", help="concurrent clients per phase")
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of traffic first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--database-url", help="a PostgreSQL database (schema bench_load)")
    parser.add_argument("--workdir", type=Path, help="keep the scratch instance here, reuse it")
    parser.add_argument(
        "--popularity",
        default="zipf,uniform",
        help="how visits spread over fiches, communes and list pages: zipf, uniform or both",
    )
    parser.add_argument("--skip", default="", help="routes left out of the mix, e.g. recherche")
    args = parser.parse_args()
    for route in filter(None, args.skip.split(",")):
        WEIGHTS.pop(route)
    if not (GEO_DIR / "communes.json").exists():
        sys.exit("Geography missing: run `make geo` first.")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = database_url(args, workdir)
    env = environment(workdir, url)
    engine = "PostgreSQL" if args.database_url else "SQLite"
    print(f"Preparing {args.count:,} demo fiches ({engine})")
    prepare(args, workdir, env)
    found = targets(url)
    server, port = start_server(env, args.workers, workdir)
    met = True
    try:
        wait_ready(port, server, args.workers)
        from gunicorn import __version__ as gunicorn_version

        print(
            f"Server: gunicorn {gunicorn_version}, {args.workers} sync workers on "
            f"127.0.0.1:{port}, production mode, {len(found['slugs']):,} published fiches"
        )
        print(
            f"Load generator: bench/load.py, asyncio HTTP/1.1 client, one process "
            f"(Python {platform.python_version()}), one connection per client"
        )
        print(f"Mix: {', '.join(f'{k} {v} %' for k, v in WEIGHTS.items())}")
        for law in args.popularity.split(","):
            data = popularity(found, law)
            if args.warmup:
                asyncio.run(run_phase(port, 4, args.warmup, data))
            for clients in [int(c) for c in args.clients.split(",")]:
                phase, cpu = measure(port, server, clients, args.seconds, data)
                met = report(phase, cpu, law) and met
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
