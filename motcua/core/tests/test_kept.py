"""What public pages keep for visitors not signed in (core/kept.py, `{% kept %}`): the base
template's header and footer and the lookup's empty form, rendered once per language. What
is kept holds no CSRF token and nothing of a person; a signed-in user never gets it; each
visitor still gets a CSRF token of their own, which works for them alone; and the pages are
the same as rendered afresh (docs/performance.md, "Public pages")."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import add_message, constants
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.template import Context, RequestContext, Template, TemplateSyntaxError
from django.test import Client, RequestFactory

from motcua.core import kept
from motcua.core.templatetags import kept as kept_tags
from motcua.dossiers.tests.factories import APPLICANT, make_province, receive_at_counter
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PAGES = ["/lookup/", "/procedures/", "/"]


@pytest.fixture(autouse=True)
def nothing_kept():
    kept.forget()
    yield
    kept.forget()


@pytest.fixture
def province():
    return make_province()


def without_tokens(text: str) -> str:
    return TOKEN.sub('name="csrfmiddlewaretoken" value=""', text)


def fresh(monkeypatch, client, path) -> str:
    """The page rendered afresh, as if nothing were kept."""
    with monkeypatch.context() as m:
        m.setattr(kept, "for_visitor", lambda request: False)
        m.setattr(kept_tags, "_visitor", lambda context: False)
        return client.get(path).content.decode()


def test_kept_pages_are_the_pages_rendered_afresh(client, province, monkeypatch):
    for path in PAGES:
        first, again = (client.get(path).content.decode() for _ in range(2))
        assert without_tokens(first) == without_tokens(again)
        assert without_tokens(again) == without_tokens(fresh(monkeypatch, client, path))
    assert kept._kept  # something was kept
    # In English too, each language kept apart.
    client.cookies["django_language"] = "en"
    english = client.get("/lookup/").content.decode()
    assert '<html lang="en">' in english and "Dossier lookup" in english
    assert without_tokens(english) == without_tokens(fresh(monkeypatch, client, "/lookup/"))
    vietnamese = Client().get("/lookup/").content.decode()
    assert '<html lang="vi">' in vietnamese and "Dossier lookup" not in vietnamese


def test_what_is_kept_holds_no_csrf_token_and_no_person(client, province):
    officer = province.officer("justice", Role.DESK_OFFICER)
    officer.first_name, officer.last_name = "Thị Mai", "Trần"
    officer.save()
    for path in PAGES:
        client.get(path)
    signed_in = Client()
    signed_in.force_login(officer)
    for path in PAGES:
        assert officer.username in signed_in.get(path).content.decode()
    assert kept._kept
    for text in kept._kept.values():
        assert all(value == kept.TOKEN_PLACEHOLDER for value in TOKEN.findall(text))
        assert officer.username not in text and "Trần" not in text
        assert "Sign out" not in text and "Đăng xuất" not in text


def test_a_signed_in_user_never_gets_the_visitors_header(client, province):
    for path in PAGES:  # the visitors' header is kept first
        client.get(path)
    officer = province.officer("justice", Role.DESK_OFFICER)
    signed_in = Client()
    signed_in.force_login(officer)
    for path in PAGES:
        text = signed_in.get(path).content.decode()
        assert f'title="{officer.username}"' in text  # their own sign-out form
        assert 'href="/accounts/login/"' not in text  # not the visitors' "Officer sign-in"
        assert len(TOKEN.findall(text)) >= 2  # the sign-out form's and the language form's
        assert kept.TOKEN_PLACEHOLDER not in text


def test_each_visitor_gets_a_token_of_their_own_that_works_for_them_alone(province):
    dossier = receive_at_counter(province)
    one, two = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    pages = [c.get("/lookup/") for c in (one, two)]
    tokens = [TOKEN.findall(p.content.decode()) for p in pages]
    # Two forms on the page (the language's and the lookup's), the visitor's token in each.
    assert all(len(t) == 2 for t in tokens)
    assert tokens[0][0] != tokens[1][0] and kept.TOKEN_PLACEHOLDER not in str(tokens)
    assert all(p.cookies.get("csrftoken") for p in pages)  # the cookie each token goes with
    answer = {"code": dossier.code, "secret": dossier.secret}
    assert one.post("/lookup/", {**answer, "csrfmiddlewaretoken": tokens[0][1]}).status_code == 200
    assert two.post("/lookup/", {**answer, "csrfmiddlewaretoken": tokens[0][1]}).status_code == 403


def test_a_query_string_or_a_waiting_message_is_never_answered_from_what_is_kept(client, db):
    client.get("/lookup/")
    request = RequestFactory().get("/lookup/")
    request.user, request.session = AnonymousUser(), SessionStore()
    request._messages = FallbackStorage(request)
    assert kept.for_visitor(request)
    add_message(request, constants.INFO, "Bạn đã đăng xuất.")
    assert not kept.for_visitor(request)
    old_link = client.get("/lookup/", {"old-link": "1"})
    assert old_link.context["old_link"]  # rendered for this request, its notice shown


def test_a_kept_part_never_keeps_a_csrf_token(rf):
    template = Template(
        '{% load kept %}{% kept "form" %}<form>{% csrf_token %}</form>{% endkept %}'
    )
    request = rf.get("/")
    request.user = AnonymousUser()
    first = template.render(RequestContext(request, {"user": AnonymousUser()}))
    second = template.render(RequestContext(request, {"user": AnonymousUser()}))
    assert TOKEN.search(first) and TOKEN.search(second)
    assert TOKEN.search(first)[1] != TOKEN.search(second)[1]  # rendered for each
    assert not kept._kept


def test_a_kept_part_may_not_hold_a_block_nor_be_kept_without_a_request():
    with pytest.raises(TemplateSyntaxError):
        Template('{% load kept %}{% kept "x" %}{% block title %}{% endblock %}{% endkept %}')
    with pytest.raises(TemplateSyntaxError):
        Template("{% load kept %}{% kept x %}{% endkept %}")
    # An e-mail's or a command's rendering (no user in the context) keeps nothing.
    text = Template('{% load kept %}{% kept "x" %}{{ name }}{% endkept %}').render(
        Context({"name": "Nguyễn Văn An"})
    )
    assert text == "Nguyễn Văn An" and not kept._kept


def kept_pages() -> list[tuple]:
    """The whole pages kept (not the base template's parts): template, path, parts."""
    return [entry[3:] for entry in kept._kept if entry[2] == "page"]


def visitor_request(rf, path="/lookup/"):
    request = rf.post(path)
    request.user, request.session = AnonymousUser(), SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_the_answer_is_kept_around_each_dossiers_own_part(client, province, monkeypatch):
    one = receive_at_counter(province)
    two = receive_at_counter(province, applicant={**APPLICANT, "full_name": "Trần Thị Bình"})

    def answer(dossier) -> str:
        page = client.post("/lookup/", {"code": dossier.code, "secret": dossier.secret})
        return page.content.decode()

    first, second = answer(one), answer(two)
    assert one.code in first and two.code in second and one.code not in second
    assert "Nguyễn V** A*" in first and "Trần T** B***" in second
    assert kept_pages() == [("dossiers/lookup_result.html", "/lookup/", "answer")]
    with monkeypatch.context() as m:  # the same page as rendered afresh, token aside
        m.setattr(kept, "for_visitor", lambda request: False)
        m.setattr(kept_tags, "_visitor", lambda context: False)
        assert without_tokens(answer(two)) == without_tokens(second)
    for text in kept._kept.values():  # nothing of either dossier in what is kept
        assert one.code not in text and two.code not in text and "Bình" not in text


def test_a_pages_own_part_is_escaped_filled_in_once_and_never_read_again(rf, db):
    request = visitor_request(rf)
    part = f"{kept.TOKEN_PLACEHOLDER} {kept.TOKEN_PLACEHOLDER}-answer <b>"
    for _ in range(2):  # rendered and kept, then from what is kept
        text = kept.kept_page(request, "dossiers/lookup_result.html", {}, fill={"answer": part})
        text = text.content.decode()
        assert f"{kept.TOKEN_PLACEHOLDER} {kept.TOKEN_PLACEHOLDER}-answer &lt;b&gt;" in text
        assert TOKEN.search(text)[1] != kept.TOKEN_PLACEHOLDER  # the visitor's own token
    assert kept_pages() == [("dossiers/lookup_result.html", "/lookup/", "answer")]


def test_a_page_that_does_not_print_its_part_once_is_rendered_for_each_request(rf, db, caplog):
    from motcua.dossiers.lookup import LookupForm

    request = visitor_request(rf)
    context = {"form": LookupForm()}
    page = kept.kept_page(request, "dossiers/lookup.html", context, fill={"answer": "Có"})
    assert page.status_code == 200 and 'name="secret"' in page.content.decode()
    assert kept_pages() == [] and "does not print each part once" in caplog.text
