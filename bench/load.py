"""Public pages and a desk's mixed work under load: locust against `motcua serve`.

Run: .venv/bin/python bench/load.py [--users 8] [--seconds 30] [--workers 2]
     .venv/bin/python bench/load.py --soak 900 --spike 5   (15 minutes, then 5× the users)

It prepares a bench database (DATABASE_URL naming a database whose name contains "bench",
else a SQLite file var/bench/load.sqlite3): a small province, `--dossiers` received dossiers
to look up, an API token and an officer; starts `motcua serve` on 127.0.0.1 (a free port,
`--workers` processes); then runs each locust scenario of bench/locustfile.py headless for
`--seconds` with `--users` users and prints requests/s, median and p99, failures, and each
as a ratio to the floor (GET /healthz on the same server: no database, the framework's
cost). With `--soak`, the mixed scenario runs that long, then `--spike` times the users for
a fifth of it, and the app workers' memory (RSS) is printed at the start, the end of the
soak and the end of the spike. `--output FILE` keeps the figures as JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import project_path  # noqa: F401 - first: the import path (see its docstring)

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-bench-password-1"
SCENARIOS = ["FloorUser", "CatalogueUser", "LookupUser", "MixedUser"]


def prepare(dossiers: int) -> dict:
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
    documents = [
        {"required_document": d["required_document"], "originals": 1, "copies": 0}
        for d in province.documents()
    ]
    return {
        "lookups": lookups,
        "token": token,
        "officer": {"username": officer.username, "password": PASSWORD},
        "intake": {
            "procedure": province.procedure.code,
            "applicant": people.person("phường Lê Hồng Phong, thành phố Phủ Lý, tỉnh Hà Nam"),
            "channel": "counter",
            "desk": desk.pk,
            "documents": documents,
        },
        "database_url": os.environ["DATABASE_URL"],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database_url: str, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "", "LOG_LEVEL": "WARNING"}
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


def worker_rss_mb(server: subprocess.Popen) -> float:
    """Resident memory of gunicorn's master and workers together, in MB."""
    pids = [server.pid]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def run_locust(base: str, scenario: str, users: int, seconds: int, data_file: str) -> dict:
    prefix = Path(tempfile.mkdtemp()) / scenario
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
        "--headless", "--only-summary", "--host", base, "-u", str(users),
        "-r", str(max(users, 1)), "--run-time", f"{seconds}s", "--csv", str(prefix),
        "--stop-timeout", "10", scenario,
    ]  # fmt: skip
    env = {**os.environ, "MOTCUA_LOAD_DATA": data_file}
    subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
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
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dossiers", type=int, default=300)
    parser.add_argument("--soak", type=int, default=0, help="seconds of the mixed scenario")
    parser.add_argument("--spike", type=int, default=5, help="users multiplier after the soak")
    parser.add_argument("--output")
    args = parser.parse_args(argv)

    data = prepare(args.dossiers)
    data_file = Path(tempfile.mkdtemp()) / "load-data.json"
    data_file.write_text(json.dumps(data))
    server, base = start_server(data["database_url"], args.workers)
    figures: dict = {"users": args.users, "seconds": args.seconds, "workers": args.workers}
    try:
        if args.soak:
            figures["memory_mb"] = {"start": round(worker_rss_mb(server))}
            figures["soak"] = run_locust(base, "MixedUser", args.users, args.soak, str(data_file))
            figures["memory_mb"]["after_soak"] = round(worker_rss_mb(server))
            spike_users, spike_seconds = args.users * args.spike, max(args.soak // 5, 30)
            figures["spike"] = run_locust(
                base, "MixedUser", spike_users, spike_seconds, str(data_file)
            )
            figures["memory_mb"]["after_spike"] = round(worker_rss_mb(server))
            report_soak(figures)
        else:
            for scenario in SCENARIOS:
                figures[scenario] = run_locust(
                    base, scenario, args.users, args.seconds, str(data_file)
                )
            report(figures)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if args.output:
        Path(args.output).write_text(json.dumps(figures, indent=2))


def report(figures: dict) -> None:
    floor = figures["FloorUser"]["Aggregated"]
    print(
        f"load bench: {figures['users']} users × {figures['seconds']} s per scenario, "
        f"motcua serve with {figures['workers']} workers on 127.0.0.1"
    )
    print(f"{'request':34} {'n':>7} {'fail':>5} {'req/s':>8} {'med ms':>7} {'p99 ms':>7} "
          f"{'× floor req/s':>14}")  # fmt: skip
    for scenario in SCENARIOS:
        for name, row in figures[scenario].items():
            if name == "Aggregated" and scenario != "MixedUser":
                continue
            ratio = row["rps"] / floor["rps"] if floor["rps"] else 0
            print(
                f"{(name if name != 'Aggregated' else 'mixed, all')[:34]:34} {row['requests']:>7} "
                f"{row['failures']:>5} {row['rps']:>8.1f} {row['median_ms']:>7.0f} "
                f"{row['p99_ms']:>7.0f} {ratio:>14.2f}"
            )


def report_soak(figures: dict) -> None:
    for phase in ("soak", "spike"):
        row = figures[phase]["Aggregated"]
        print(
            f"{phase}: {row['requests']} requests, {row['failures']} failures, "
            f"{row['rps']:.1f} req/s, median {row['median_ms']:.0f} ms, p99 {row['p99_ms']:.0f} ms"
        )
    print("memory (MB, master + workers):", figures["memory_mb"])


if __name__ == "__main__":
    main()
