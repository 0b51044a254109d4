"""Locust users for bench/load.py (which prepares the data and starts the server; run that,
not this file directly). Each scenario is a user class picked with locust's class arguments:

- FloorUser: GET /healthz, the framework's floor (no database);
- CatalogueUser: the public catalogue search, `/procedures/?q=…` with everyday phrases;
- LookupFormUser: the public lookup's form, GET /lookup/;
- LookupUser: the public lookup's answer, POST /lookup/ with a dossier code and its password;
- MixedUser: intake through the API, the officer's queue, the lookup, the 06a report and the
  catalogue search (the soak and the spike of `bench/load.py --soak`).

The data (codes, passwords, the API token, the officer's sign-in) comes from the JSON file
named by MOTCUA_LOAD_DATA."""

import itertools
import json
import os
import random
import re
import uuid
from http.cookiejar import Cookie
from pathlib import Path
from urllib.parse import urlsplit

from locust import FastHttpUser, between, task

DATA = json.loads(Path(os.environ["MOTCUA_LOAD_DATA"]).read_text())
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PHRASES = ["khai sinh", "lý lịch tư pháp", "giấy phép xây dựng", "hộ kinh doanh", "làm sổ đỏ"]
_serial = itertools.count()
_sessions = itertools.count()


def session_cookie(name: str, value: str, host: str) -> Cookie:
    return Cookie(
        0, name, value, None, False, host, False, False, "/", True, False, None, False, None,
        None, {},
    )  # fmt: skip


def lookup_form(user):
    """GET /lookup/: the form, and the CSRF token its POST needs."""
    page = user.client.get("/lookup/", name="/lookup/ (form)")
    token = CSRF.search(page.text or "")
    return token[1] if token else ""


def lookup_answer(user, token: str) -> None:
    """POST /lookup/ with a dossier's code and password: the dossier's page."""
    code, secret = random.choice(DATA["lookups"])
    with user.client.post(
        "/lookup/",
        data={"code": code, "secret": secret, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{user.host}/lookup/"},
        name="/lookup/ (POST)",
        catch_response=True,
    ) as response:
        if response.status_code != 200 or code not in (response.text or ""):
            response.failure(f"lookup answered {response.status_code}")


def lookup(user) -> None:
    """A citizen's lookup: the form, then the answer."""
    lookup_answer(user, lookup_form(user))


def search(user) -> None:
    user.client.get(f"/procedures/?q={random.choice(PHRASES)}", name="/procedures/?q=")


class FloorUser(FastHttpUser):
    wait_time = between(0, 0)

    @task
    def healthz(self):
        self.client.get("/healthz")


class CatalogueUser(FastHttpUser):
    wait_time = between(0, 0)

    @task
    def search(self):
        search(self)


class LookupFormUser(FastHttpUser):
    wait_time = between(0, 0)

    @task
    def form(self):
        lookup_form(self)


class LookupUser(FastHttpUser):
    """The answer alone: the form's token is taken once (a CSRF token stays valid with its
    cookie), then code and password are posted again and again."""

    wait_time = between(0, 0)

    def on_start(self):
        self.token = lookup_form(self)

    @task
    def lookup(self):
        lookup_answer(self, self.token)


class MixedUser(FastHttpUser):
    """A desk's day in miniature: more lookups and queue pages than intakes, a report now and
    then, and citizens searching the catalogue meanwhile."""

    wait_time = between(0.05, 0.2)

    def on_start(self):
        """A session of the desk officer prepared by load.py (signed in as at the start of the
        day); without one, the sign-in form."""
        if DATA.get("sessions"):
            host = urlsplit(self.host).hostname
            value = DATA["sessions"][next(_sessions) % len(DATA["sessions"])]
            self.client.cookiejar.set_cookie(session_cookie(DATA["session_cookie"], value, host))
            return
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

    @task(2)
    def search(self):
        search(self)

    @task(1)
    def report(self):
        self.client.get(
            "/reports/dossiers/?from=2026-01-01&to=2026-12-31", name="/reports/dossiers/"
        )
