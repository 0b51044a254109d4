"""Hostile values against every API endpoint: never a 5xx, always the JSON error shape, and a
refused request writes nothing. Bounded and derandomized (docs/decisions/0008-input-bounds.md).
"""

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from motcua.api.schemas import ERROR_CODES
from motcua.api.tests.factories import BASE, Api, dossier_body, make_token
from motcua.core.models import AuditEvent
from motcua.dossiers.models import Applicant, Dossier, DossierDocument, DossierEvent
from motcua.dossiers.tests.factories import make_province, receive_at_counter
from motcua.org.constants import Role

R = Role
WRITTEN = (Dossier, DossierEvent, AuditEvent, Applicant, DossierDocument)
BOUNDED = settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    # A failure is reported as found: shrinking it could take minutes of CI.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TEXT = st.one_of(
    st.sampled_from(
        ["\x00", "a\x00b", "\x1b[2J", "\x7f", "\ud800", "x" * 10_000, "", " ", "-1", "0"]
    ),
    st.text(max_size=20),
)
NUMBER = st.one_of(
    st.sampled_from([2**63, -(2**63) - 1, 10**100, -1, 0, 1.5, float("inf")]), st.integers()
)
DATE = st.sampled_from(
    [
        "0001-01-01",
        "9999-12-31",
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
        "2026-02-30",
        "99999-01-01",
        "2026-01-01T25:00:00",
    ]
)
SCALAR = st.one_of(TEXT, NUMBER, DATE, st.booleans(), st.none())
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
# What an HTTP client can put in a URL or a header (no lone surrogates).
URL_TEXT = TEXT.filter(lambda t: "\ud800" not in t).map(
    lambda t: t.encode("utf-8", "replace").decode("utf-8")
)
MALFORMED = st.sampled_from(["{not json", "[" * 50_000, "", "\x00", '{"a": 1,}', "NaN", "{" * 10])


# The security trail records refusals and failed sign-ins (docs/security.md); every other
# audit event records a change, which a refused request must not make.
REFUSAL_TRAIL = ("permission.refused", "auth.login_failed", "auth.locked_out")


def counts() -> dict:
    found = {model.__name__: model.objects.count() for model in WRITTEN}
    found["AuditEvent"] = AuditEvent.objects.exclude(action__in=REFUSAL_TRAIL).count()
    return found


def check(response, before=None) -> None:
    """Never a 5xx; an error has the JSON shape; a refusal writes nothing."""
    assert response.status_code < 500, (response.status_code, response.content[:500])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] in ERROR_CODES and error["message"]
        if before is not None:
            assert counts() == before


def hostile_body(valid: dict) -> st.SearchStrategy:
    """A valid body with some fields (top level or nested) replaced by hostile values."""

    def spoil(replacements):
        body = json.loads(json.dumps(valid))
        for path, value in replacements:
            target = body
            *parents, last = path
            for key in parents:
                target = target[key] if isinstance(target, dict) else target[int(key)]
            target[last] = value
        return body

    paths = [(k,) for k in valid] + [("applicant", k) for k in valid.get("applicant", {})]
    if valid.get("documents"):
        paths += [("documents", 0, k) for k in ("required_document", "name", "copies")]
        paths += [("documents", 0, "file_name"), ("documents", 0, "content_base64")]
    return st.lists(st.tuples(st.sampled_from(paths), VALUE), min_size=1, max_size=3).map(spoil)


@pytest.fixture
def setting(db):
    province = make_province()
    dossier = receive_at_counter(province)
    token = make_token(province.officer("justice", R.LEADER))
    desk = make_token(province.officer("justice", R.DESK_OFFICER))
    return province, dossier, token, desk


def post_raw(api, path, raw, token, key="k"):
    return api.client.post(
        BASE + path,
        raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


@given(data=st.data())
@BOUNDED
def test_create_with_hostile_bodies(setting, data):
    province, _, _, desk = setting
    body = data.draw(st.one_of(hostile_body(dossier_body(province)), VALUE))
    key = data.draw(st.one_of(st.just("k"), URL_TEXT))
    api, before = Api(), counts()
    response = post_raw(api, "/dossiers", json.dumps(body), desk, key=key)
    check(response, before if response.status_code >= 400 else None)


@given(raw=MALFORMED)
@example(raw='{"procedure": "\\u0000"}')
@BOUNDED
def test_create_with_malformed_json(setting, raw):
    *_, desk = setting
    before = counts()
    response = post_raw(Api(), "/dossiers", raw, desk)
    assert response.status_code in (400, 422)
    check(response, before)


@given(
    action=st.one_of(
        st.sampled_from(["apologise", "forward", "refuse", "complete", "hand_over"]), TEXT
    ),
    body=st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "comment": TEXT,
                "to_user": TEXT,
                "to_agency": TEXT,
                "new_due_at": st.one_of(DATE, VALUE),
                "result": TEXT,
                "documents": VALUE,
            },
        ),
        VALUE,
    ),
)
@example(action="apologise", body={"new_due_at": "9999-12-31T00:00:00", "comment": "x"})
@example(action="apologise", body={"new_due_at": "0001-01-01T00:00:00", "comment": "x"})
@BOUNDED
def test_actions_with_hostile_bodies(setting, action, body):
    _, dossier, token, _ = setting
    api, before = Api(), counts()
    response = post_raw(
        api,
        f"/dossiers/{dossier.code}/actions/{quote(action, safe='', errors='surrogatepass')}",
        json.dumps(body),
        token,
    )
    check(response, before if response.status_code >= 400 else None)
    for path in ("/dossiers", f"/dossiers/{dossier.code}", f"/dossiers/{dossier.code}/events"):
        check(api.get(path, token))


@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "status",
                "procedure",
                "received_from",
                "received_to",
                "overdue",
                "agency",
                "page",
                "page_size",
                "q",
                "level",
                "sector",
                "online_level",
            ]
        ),
        st.one_of(URL_TEXT, NUMBER.map(str), DATE),
        max_size=4,
    ),
    code=TEXT,
    number=NUMBER,
)
@example(params={"page": str(2**63)}, code="x", number=2**63)
@example(params={"received_to": "9999-12-31"}, code="x", number=-1)
@BOUNDED
def test_reads_with_hostile_parameters(setting, params, code, number):
    _, dossier, token, _ = setting
    api = Api()
    path_code = quote(code, safe="", errors="surrogatepass") or "x"  # even broken UTF-8
    for path in (
        "/dossiers",
        "/procedures",
        f"/dossiers/{path_code}",
        f"/dossiers/{path_code}/events",
        f"/procedures/{path_code}",
        f"/dossiers/{dossier.code}/documents/{quote(str(number), safe='')}/file",
    ):
        check(api.get(path, token, **params))
        check(api.get(path, "x" * 40, **params))  # an unknown token
