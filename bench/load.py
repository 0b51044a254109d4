"""Public pages and a desk's mixed work under load: locust against `motcua serve`.

Run: .venv/bin/python bench/load.py [--users 8] [--seconds 30] [--rounds 1] [--workers 2]
     .venv/bin/python bench/load.py --soak 900 --spike 5   (15 minutes, then 5× the users)

It prepares a bench database (DATABASE_URL naming a database whose name contains "bench",
else a SQLite file var/bench/load.sqlite3): a small province, `--dossiers` received dossiers
to look up, an API token and an officer; starts `motcua serve` on 127.0.0.1 (a free port,
`--workers` processes, database connections kept as compose.yaml keeps them: CONN_MAX_AGE,
60 s unless set); then runs each locust scenario of bench/locustfile.py headless for
`--seconds` with `--users` users and prints requests/s, median and p99, failures, and each
as a ratio to the floor (GET /healthz on the same server: no database, the framework's
cost). Under the table, each target (`TARGETS`) with PASS or FAIL. With `--rounds N`,
every scenario runs N times in turn (floor, catalogue, form, answer, mixed, then again): a
target is then the median of the rounds' ratios, each taken between requests measured
minutes apart at most, since these machines' speed drifts from one minute to the next (one
run of the answer gave 0.29 × and the next 0.51 ×); the table adds the rounds' requests,
averages their rates and gives the median of their medians and the highest p99.

The lookup's rate-limit counters (core/ratelimit.py) live where production keeps them:
in Redis when MOTCUA_REDIS_URL is set or, with `--limits auto` (the default), when a Redis
server answers on 127.0.0.1:6379 (then redis://127.0.0.1:6379/0, as compose.yaml deploys
it); else in the database table. `--limits database` keeps them in the table, `--limits
redis` requires Redis. The report says which.

With `--in-process ROUNDS` no server is started: the floor, the lookup's form and its answer
go through Django's test client in turn, ROUNDS times, and the medians and minimums are
printed with their ratios to the floor (what the pages cost without the server and locust
sharing the cores: the figure to compare on a crowded machine).

With `--soak SECONDS`, the mixed scenario (API intake, the work queue, the lookup, Biểu 06a,
the catalogue search) runs that long with `--users` users, then with `--spike` times the users
for `--spike-seconds` (a fifth of the soak unless given). Per phase it prints requests,
failures and the error rate, requests/s, median and p99, and the memory of the server's
processes (resident set of gunicorn's master and workers, read from /proc every
`--sample` seconds): first, last and highest sample, and how many worker processes served
(gunicorn replaces a worker after MOTCUA_MAX_REQUESTS requests). `--output FILE` keeps the
figures as JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import project_path  # noqa: F401 - first: the import path (see its docstring)

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-bench-password-1"
SCENARIOS = ["FloorUser", "CatalogueUser", "LookupFormUser", "LookupUser", "MixedUser"]
# The ratios to the floor the lookup is held to, with no failure: its form and its answer
# half the floor (issue 11; docs/decisions/0012-lookup-answer-target.md tells the answer's
# rounds and how far machine states move it).
TARGETS = {
    ("LookupFormUser", "/lookup/ (form)"): (0.5, "1/2"),
    ("LookupUser", "/lookup/ (POST)"): (0.5, "1/2"),
}


def prepare(dossiers: int, sessions_needed: int = 8) -> dict:
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from bench.benchdb import open_database

    open_database(ROOT, "load")
    from django.core.management import call_command
    from django.db import connection

    from motcua.api import services as api_services
    from motcua.demo.people import People
    from motcua.dossiers import services
    from motcua.dossiers.models import Channel
    from motcua.dossiers.tests.factories import make_province
    from motcua.org.constants import Role
    from motcua.org.models import Agency

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if Agency.objects.exists():
        if "bench" not in str(connection.settings_dict["NAME"]):
            sys.exit("refusing to empty a database that is not a bench database")
        call_command("flush", "--no-input", verbosity=0)
    from django.conf import settings
    from django.core.cache import caches

    limits = caches[settings.LIMITS_CACHE]
    if getattr(limits, "cache_model_class", None) is not None:  # the table (Redis: its prefix)
        limits.clear()  # counts left by an earlier run (its codes are this run's again)
    import random

    province = make_province()
    officer = province.officer("justice", Role.DESK_OFFICER)
    officer.set_password(PASSWORD)
    officer.save()
    desk = officer.posts.get().desk
    people = People(random.Random(7))
    lookups = []
    for _ in range(dossiers):
        d = services.receive(
            procedure=province.procedure,
            applicant=people.person("phường Quang Trung, thành phố Phủ Lý, tỉnh Hà Nam"),
            channel=Channel.COUNTER,
            actor=officer,
            desk=desk,
            documents=province.documents(),
        )
        lookups.append([d.code, d.secret])
    token = api_services.issue_token("Load bench", officer)[1]
    # Officers already signed in, as at a desk during the day: the users of the mixed scenario
    # take these sessions rather than each hashing the password (slow on purpose) at once.
    from django.test import Client

    sessions = []
    for _ in range(sessions_needed):
        client = Client()
        client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    documents = [
        {"required_document": d["required_document"], "originals": 1, "copies": 0}
        for d in province.documents()
    ]
    return {
        "lookups": lookups,
        "token": token,
        "officer": {"username": officer.username, "password": PASSWORD},
        "sessions": sessions,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "intake": {
            "procedure": province.procedure.code,
            "applicant": people.person("phường Lê Hồng Phong, thành phố Phủ Lý, tỉnh Hà Nam"),
            "channel": "counter",
            "desk": desk.pk,
            "documents": documents,
        },
        "database_url": os.environ["DATABASE_URL"],
    }


LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def limits_store(choice: str) -> str:
    """Where the server keeps the rate-limit counters: a Redis URL, or "" for the database
    table; sets MOTCUA_REDIS_URL accordingly for this process and the server."""
    url = os.environ.get("MOTCUA_REDIS_URL", "")
    if choice == "database":
        url = ""
    elif not url:
        try:
            with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
                s.sendall(b"PING\r\n")
                answered = s.recv(16).startswith(b"+PONG")
        except OSError:
            answered = False
        if answered:
            url = LOCAL_REDIS
        elif choice == "redis":
            sys.exit("--limits redis: no MOTCUA_REDIS_URL and no Redis on 127.0.0.1:6379")
    if url:
        os.environ["MOTCUA_REDIS_URL"] = url
        # Keys of this run's own: other runs' counts (the same codes, the same client address)
        # cannot refuse its lookups; deleted at the end (forget_counters).
        os.environ["MOTCUA_REDIS_PREFIX"] = f"motcua-load-bench-{os.getpid()}"
    else:
        os.environ.pop("MOTCUA_REDIS_URL", None)
    return url


def forget_counters() -> None:
    """Delete this run's counters from Redis (the database table goes with the bench data)."""
    if not os.environ.get("MOTCUA_REDIS_URL"):
        return
    import redis

    server = redis.Redis.from_url(os.environ["MOTCUA_REDIS_URL"])
    try:
        for key in server.scan_iter(f"{os.environ['MOTCUA_REDIS_PREFIX']}:*"):
            server.delete(key)
    finally:
        server.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database_url: str, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "", "LOG_LEVEL": "WARNING"}
    env.setdefault("CONN_MAX_AGE", "60")  # as deployed (compose.yaml)
    env.pop("MOTCUA_TASKS", None)  # tasks in the request: nothing waits for a worker
    server = subprocess.Popen(
        [sys.executable, "-m", "motcua", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"motcua serve exited: {server.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as r:
                if r.status == 200:
                    return server, base
        except OSError:
            time.sleep(0.2)
    sys.exit("motcua serve did not become ready")


def server_processes(server: subprocess.Popen) -> dict[int, int]:
    """Resident memory in kB of gunicorn's master and each worker, by process id."""
    pids = [server.pid]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    rss = {}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss[pid] = int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return rss


class MemorySampler:
    """Samples the server's memory every `every` seconds in a thread, labelled by phase."""

    def __init__(self, server: subprocess.Popen, every: float):
        self.server, self.every = server, every
        self.phase = "start"
        self.samples: dict[str, list[tuple[float, float]]] = {}
        self.workers: dict[str, set[int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = time.monotonic()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        rss = server_processes(self.server)
        total_mb = sum(rss.values()) / 1024
        at = round(time.monotonic() - self._started, 1)
        self.samples.setdefault(self.phase, []).append((at, round(total_mb, 1)))
        self.workers.setdefault(self.phase, set()).update(p for p in rss if p != self.server.pid)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def summary(self, phase: str) -> dict:
        values = [mb for _, mb in self.samples.get(phase, [])]
        if not values:
            return {}
        return {
            "first": values[0],
            "last": values[-1],
            "max": max(values),
            "samples": len(values),
            "worker_processes": len(self.workers.get(phase, ())),
        }


def run_locust(base: str, scenario: str, users: int, seconds: int, data_file: str) -> dict:
    prefix = Path(tempfile.mkdtemp()) / scenario
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
        "--headless", "--only-summary", "--host", base, "-u", str(users),
        "-r", str(max(users, 1)), "--run-time", f"{seconds}s", "--csv", str(prefix),
        "--stop-timeout", "10", scenario,
    ]  # fmt: skip
    env = {**os.environ, "MOTCUA_LOAD_DATA": data_file}
    ran = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if not Path(f"{prefix}_stats.csv").exists():
        sys.exit(f"locust wrote no figures for {scenario}: {ran.stderr[-2000:]}")
    with open(f"{prefix}_stats.csv") as stats:
        rows = list(csv.DictReader(stats))
    result = {}
    for row in rows:
        result[row["Name"]] = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "rps": float(row["Requests/s"]),
            "median_ms": float(row["50%"] or 0),
            "p99_ms": float(row["99%"] or 0),
        }
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every scenario this many times in turn (ratios: median of the rounds')",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dossiers", type=int, default=300)
    parser.add_argument("--soak", type=int, default=0, help="seconds of the mixed scenario")
    parser.add_argument("--spike", type=int, default=5, help="users multiplier after the soak")
    parser.add_argument("--spike-seconds", type=int, default=0, help="default: a fifth of --soak")
    parser.add_argument("--sample", type=float, default=5, help="seconds between memory samples")
    parser.add_argument(
        "--limits",
        choices=["auto", "redis", "database"],
        default="auto",
        help="where the rate-limit counters live (auto: Redis when one answers)",
    )
    parser.add_argument(
        "--in-process",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="no server: the floor, the lookup's form and its answer through Django's test "
        "client, in turn, ROUNDS times (medians and minimums)",
    )
    parser.add_argument("--output")
    args = parser.parse_args(argv)
    redis_url = limits_store(args.limits)

    data = prepare(args.dossiers, args.users * max(args.spike, 1) if args.soak else args.users)
    if args.in_process:
        try:
            in_process(data, args.in_process, redis_url or "database table")
        finally:
            forget_counters()
        return
    data_file = Path(tempfile.mkdtemp()) / "load-data.json"
    data_file.write_text(json.dumps(data))
    server, base = start_server(data["database_url"], args.workers)
    figures: dict = {
        "users": args.users,
        "seconds": args.seconds,
        "workers": args.workers,
        "limits": redis_url or "database table",
        "load_average": os.getloadavg(),
    }
    try:
        if args.soak:
            spike_users = args.users * args.spike
            spike_seconds = args.spike_seconds or max(args.soak // 5, 30)
            figures.update(soak_seconds=args.soak, spike_users=spike_users)
            figures["spike_seconds"] = spike_seconds
            with MemorySampler(server, args.sample) as memory:
                memory.sample()
                for phase, users, seconds in (
                    ("soak", args.users, args.soak),
                    ("spike", spike_users, spike_seconds),
                ):
                    memory.phase = phase
                    memory.sample()
                    figures[phase] = run_locust(base, "MixedUser", users, seconds, str(data_file))
                    memory.sample()
                memory.phase = "after"
                memory.sample()
            figures["memory_mb"] = {p: memory.summary(p) for p in ("start", "soak", "spike")}
            figures["memory_samples"] = memory.samples
            report_soak(figures)
        else:
            figures["rounds"] = [
                {
                    scenario: run_locust(base, scenario, args.users, args.seconds, str(data_file))
                    for scenario in SCENARIOS
                }
                for _ in range(max(args.rounds, 1))
            ]
            figures.update(combined(figures["rounds"]))
            report(figures)
    finally:
        server.terminate()
        server.wait(timeout=30)
        forget_counters()
    if args.output:
        Path(args.output).write_text(json.dumps(figures, indent=2))


def in_process(data: dict, rounds: int, limits: str) -> None:
    """The lookup's pages against the floor without a server or locust: what the pages cost
    the framework and the application alone, the figure to compare on a crowded machine."""
    import random
    import re
    import statistics
    from urllib.parse import urlencode

    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")

    def form() -> str:
        page = client.get("/lookup/")
        assert page.status_code == 200
        return page.content.decode()

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form())[1]

    def floor():
        assert client.get("/healthz").status_code == 200

    def answer():
        code, secret = random.choice(data["lookups"])
        body = urlencode({"code": code, "secret": secret, "csrfmiddlewaretoken": token})
        page = client.post(
            "/lookup/",
            body,
            content_type="application/x-www-form-urlencoded",
            HTTP_REFERER="http://127.0.0.1/lookup/",
        )
        assert page.status_code == 200 and code in page.content.decode(), page.status_code

    pages = {
        "GET /healthz (floor)": floor,
        "GET /lookup/": form,
        "POST /lookup/": answer,
    }
    times: dict[str, list[float]] = {name: [] for name in pages}
    for n in range(rounds + 20):  # 20 rounds to warm up, not counted
        for name, page in pages.items():
            started = time.perf_counter()
            page()
            if n >= 20:
                times[name].append(time.perf_counter() - started)
    median = {name: statistics.median(t) * 1000 for name, t in times.items()}
    least = {name: min(t) * 1000 for name, t in times.items()}
    floor_name = "GET /healthz (floor)"
    print(
        f"in-process: Django's test client, {rounds} rounds of the three in turn; rate-limit "
        f"counters: {limits}; load average " + ", ".join(f"{n:.2f}" for n in os.getloadavg())
    )
    print(f"{'request':22} {'median ms':>10} {'× floor':>8} {'min ms':>8} {'× floor':>8}")
    for name in pages:
        print(
            f"{name:22} {median[name]:>10.2f} {median[floor_name] / median[name]:>8.2f} "
            f"{least[name]:>8.2f} {least[floor_name] / least[name]:>8.2f}"
        )


def combined(rounds: list[dict]) -> dict:
    """Per scenario and request, the rounds together: requests and failures added, the mean
    of the rates (each round runs as long), the median of the medians, the highest p99."""
    together: dict = {}
    for scenario in SCENARIOS:
        names = dict.fromkeys(name for one in rounds for name in one[scenario])
        together[scenario] = {}
        for name in names:
            rows = [one[scenario][name] for one in rounds if name in one[scenario]]
            together[scenario][name] = {
                "requests": sum(row["requests"] for row in rows),
                "failures": sum(row["failures"] for row in rows),
                "rps": statistics.mean(row["rps"] for row in rows),
                "median_ms": statistics.median(row["median_ms"] for row in rows),
                "p99_ms": max(row["p99_ms"] for row in rows),
            }
    return together


def round_ratios(rounds: list[dict], scenario: str, name: str) -> list[float]:
    """A request's rate over the floor's, round by round: the two measured minutes apart at
    most, on machines whose speed drifts from one minute to the next."""
    ratios = []
    for one in rounds:
        floor, row = one["FloorUser"].get("Aggregated"), one[scenario].get(name)
        ratios.append(row["rps"] / floor["rps"] if row and floor and floor["rps"] else 0.0)
    return ratios


def report(figures: dict) -> None:
    floor = figures["FloorUser"]["Aggregated"]
    rounds = figures["rounds"]
    print(
        f"load bench: {figures['users']} users × {figures['seconds']} s per scenario"
        + (f", {len(rounds)} rounds of every scenario in turn" if len(rounds) > 1 else "")
        + ", "
        f"motcua serve with {figures['workers']} workers on 127.0.0.1; rate-limit counters: "
        f"{figures['limits']}; load average at the start "
        + ", ".join(f"{n:.2f}" for n in figures["load_average"])
    )
    print(f"{'request':34} {'n':>7} {'fail':>5} {'req/s':>8} {'med ms':>7} {'p99 ms':>7} "
          f"{'× floor req/s':>14}")  # fmt: skip
    for scenario in SCENARIOS:
        for name, row in figures[scenario].items():
            if name == "Aggregated" and scenario != "MixedUser":
                continue
            if scenario == "LookupUser" and name == "/lookup/ (form)":
                continue  # once per user, for its token
            ratio = row["rps"] / floor["rps"] if floor["rps"] else 0
            print(
                f"{(name if name != 'Aggregated' else 'mixed, all')[:34]:34} {row['requests']:>7} "
                f"{row['failures']:>5} {row['rps']:>8.1f} {row['median_ms']:>7.0f} "
                f"{row['p99_ms']:>7.0f} {ratio:>14.2f}"
            )
    for (scenario, name), (target, shown) in TARGETS.items():
        row = figures[scenario].get(name)
        ratios = round_ratios(rounds, scenario, name)
        ratio = statistics.median(ratios)
        verdict = "PASS" if row and not row["failures"] and ratio >= target else "FAIL"
        each = (
            f" (the median of {', '.join(f'{r:.2f}' for r in ratios)})" if len(ratios) > 1 else ""
        )
        print(f"target: {name} >= {shown} x the floor: {ratio:.2f}{each} {verdict}")


def report_soak(figures: dict) -> None:
    print(
        f"soak and spike: the mixed scenario, {figures['users']} users for "
        f"{figures['soak_seconds']} s, then {figures['spike_users']} users for "
        f"{figures['spike_seconds']} s; motcua serve with {figures['workers']} workers; "
        f"rate-limit counters: {figures['limits']}"
    )
    print(f"{'phase':6} {'request':34} {'n':>7} {'fail':>5} {'err %':>6} {'req/s':>7} "
          f"{'med ms':>7} {'p99 ms':>7}")  # fmt: skip
    for phase in ("soak", "spike"):
        for name, row in figures[phase].items():
            rate = 100 * row["failures"] / row["requests"] if row["requests"] else 0
            print(
                f"{phase:6} {(name if name != 'Aggregated' else 'all requests')[:34]:34} "
                f"{row['requests']:>7} {row['failures']:>5} {rate:>6.2f} {row['rps']:>7.1f} "
                f"{row['median_ms']:>7.0f} {row['p99_ms']:>7.0f}"
            )
    print("server memory, MB (gunicorn master + workers, resident):")
    for phase, m in figures["memory_mb"].items():
        if m:
            print(
                f"  {phase:6} first {m['first']:.0f}, last {m['last']:.0f}, max {m['max']:.0f} "
                f"({m['samples']} samples, {m['worker_processes']} worker processes)"
            )


if __name__ == "__main__":
    main()
