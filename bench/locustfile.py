"""Locust users for bench/load.py (which prepares the data and starts the server; run that,
not this file directly). Each scenario is a user class picked with locust's class arguments:

- FloorUser: GET /healthz, the framework's floor (no database);
- CatalogueUser: the public catalogue search, `/procedures/?q=…` with everyday phrases;
- LookupUser: the public lookup, POST /lookup/ with a dossier code and its password;
- MixedUser: intake through the API, the officer's queue, the lookup and the 06a report.

The data (codes, passwords, the API token, the officer's sign-in) comes from the JSON file
named by MOTCUA_LOAD_DATA."""

import itertools
import json
import os
import random
import re
import uuid
from pathlib import Path

from locust import FastHttpUser, between, task

DATA = json.loads(Path(os.environ["MOTCUA_LOAD_DATA"]).read_text())
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PHRASES = ["khai sinh", "lý lịch tư pháp", "giấy phép xây dựng", "hộ kinh doanh", "làm sổ đỏ"]
_serial = itertools.count()


def lookup(user) -> None:
    code, secret = random.choice(DATA["lookups"])
    page = user.client.get("/lookup/", name="/lookup/ (form)")
    token = CSRF.search(page.text or "")
    with user.client.post(
        "/lookup/",
        data={"code": code, "secret": secret, "csrfmiddlewaretoken": token[1] if token else ""},
        headers={"Referer": f"{user.host}/lookup/"},
        name="/lookup/ (POST)",
        catch_response=True,
    ) as response:
        if response.status_code != 200 or code not in (response.text or ""):
            response.failure(f"lookup answered {response.status_code}")


class FloorUser(FastHttpUser):
    wait_time = between(0, 0)

    @task
    def healthz(self):
        self.client.get("/healthz")


class CatalogueUser(FastHttpUser):
    wait_time = between(0, 0)

    @task
    def search(self):
        self.client.get(f"/procedures/?q={random.choice(PHRASES)}", name="/procedures/?q=")


class LookupUser(FastHttpUser):
    wait_time = between(0, 0)

    @task
    def lookup(self):
        lookup(self)


class MixedUser(FastHttpUser):
    """A desk's day in miniature: more lookups and queue pages than intakes, a report now and
    then."""

    wait_time = between(0.05, 0.2)

    def on_start(self):
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        token = CSRF.search(page.text or "")
        self.client.post(
            "/accounts/login/",
            data={
                "username": DATA["officer"]["username"],
                "password": DATA["officer"]["password"],
                "csrfmiddlewaretoken": token[1] if token else "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="/accounts/login/ (POST)",
        )

    @task(2)
    def intake(self):
        n = next(_serial)
        body = dict(DATA["intake"])
        body["applicant"] = {
            **body["applicant"],
            "full_name": f"{body['applicant']['full_name']} {n}",
        }
        with self.client.post(
            "/api/v1/dossiers",
            data=json.dumps(body),
            headers={
                "Authorization": f"Bearer {DATA['token']}",
                "Idempotency-Key": f"load-{uuid.uuid4().hex}",
                "Content-Type": "application/json",
            },
            name="/api/v1/dossiers (POST)",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"intake answered {response.status_code}")

    @task(4)
    def queue(self):
        self.client.get("/office/", name="/office/")

    @task(4)
    def lookup(self):
        lookup(self)

    @task(1)
    def report(self):
        self.client.get(
            "/reports/dossiers/?from=2026-01-01&to=2026-12-31", name="/reports/dossiers/"
        )
