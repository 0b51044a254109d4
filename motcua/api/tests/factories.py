"""Tokens and a JSON client for API tests, on the small province of the dossier tests."""

import json

from django.test import Client

from motcua.api import services
from motcua.dossiers.tests.factories import APPLICANT, Province
from motcua.org.constants import Role

BASE = "/api/v1"


def make_token(user, *agencies, name="Hệ thống thử nghiệm") -> str:
    """The secret of a new token for `user`."""
    return services.issue_token(name, user, agencies)[1]


class Api:
    """`api.get("/dossiers", token)`, `api.post("/dossiers", body, token, key="k-1")`."""

    def __init__(self):
        self.client = Client()

    @staticmethod
    def _headers(token, key=None) -> dict:
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def get(self, path, token=None, **params):
        return self.client.get(BASE + path, params, headers=self._headers(token))

    def post(self, path, body, token=None, key=None):
        return self.client.post(
            BASE + path,
            json.dumps(body),
            content_type="application/json",
            headers=self._headers(token, key),
        )


def desk_of(province: Province, agency="justice"):
    return province.officer(agency, Role.DESK_OFFICER).posts.get().desk


def dossier_body(province: Province, **overrides) -> dict:
    body = {
        "procedure": province.procedure.code,
        "applicant": dict(APPLICANT),
        "channel": "counter",
        "desk": desk_of(province).pk,
        "documents": [
            {"required_document": d.pk, "originals": d.originals, "copies": d.copies}
            for d in province.procedure.documents.all()
        ],
    }
    body.update(overrides)
    return body
