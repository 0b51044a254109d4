"""Content-Security-Policy, Cache-Control and the request id on real responses."""

import re
from pathlib import Path

import pytest

from motcua.org.models import User

pytestmark = pytest.mark.django_db
CORE_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def directives(header: str) -> dict[str, list[str]]:
    parts = [p.split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def test_pages_carry_a_csp_that_refuses_inline_scripts(client):
    page = client.get("/")
    assert page.status_code == 200
    policy = directives(page.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["default-src"] + policy["style-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    # and the page it protects still has its scripts, from files
    html = page.content.decode()
    assert re.findall(r"<script[^>]*>", html) == [
        f'<script src="{src}" defer>' for src in re.findall(r'<script src="([^"]+)"', html)
    ]
    assert "/static/core/site.js" in html


@pytest.mark.parametrize("template", sorted(p.name for p in CORE_TEMPLATES.rglob("*.html")))
def test_core_templates_have_no_inline_script_handler_or_style(template):
    text = next(CORE_TEMPLATES.rglob(template)).read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert not re.search(r"\sstyle\s*=", text), "style attribute"
    assert "<style" not in text


def user(**extra):
    return User.objects.create_user("headers.officer", password="x-Secret-123", **extra)


@pytest.mark.parametrize(
    "path",
    [
        "/office/",
        "/lookup/NO-SUCH-CODE/",
        "/api/v1/procedures",
        "/admin/login/",
        "/accounts/login/",
    ],
)
def test_personal_data_paths_are_never_stored_by_caches(client, path):
    response = client.get(path)
    cache_control = {v.strip() for v in response.headers.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= cache_control, (path, response.status_code)


def test_public_pages_stay_cacheable_for_visitors_but_not_for_officers(client):
    anonymous = client.get("/procedures/")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    client.force_login(user())
    signed_in = client.get("/procedures/")
    assert {"no-store", "private"} <= {
        v.strip() for v in signed_in.headers["Cache-Control"].split(",")
    }


def test_each_response_carries_a_request_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    # a proxy's id is kept when it is a plain token; anything else is replaced
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-2026-12-01-abcdef")
    assert kept.headers["X-Request-ID"] == "lb-2026-12-01-abcdef"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID='x" level=ERROR msg=forged')
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])


def test_the_api_docs_page_runs_only_our_own_script_files(client):
    page = client.get("/api/v1/docs")
    html = page.content.decode()
    assert page.status_code == 200 and "cdn." not in html
    tags = re.findall(r"<script[^>]*>", html)
    executable = [t for t in tags if 'type="application/json"' not in t]
    assert executable and all(re.search(r'src="/static/', t) for t in executable)
