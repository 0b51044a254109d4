"""Hostile input stopped at the edge, before any view runs (docs/decisions/0008-input-bounds.md).

`HostileInputMiddleware` refuses a request whose path, query string, form fields, JSON body
strings or uploaded file names hold characters no person types: C0 control characters
other than tab, line feed and carriage return (NUL above all: PostgreSQL cannot store it
and the file system cannot open it), DEL, C1 controls and lone surrogates (which cannot be
encoded as UTF-8). The API (`/api/`) gets its usual JSON error (`code`
"invalid_characters"); pages get a short page in the visitor's language. It also
answers the API's too-large bodies with a JSON 413 (Django's own answer is an HTML 400),
drops cookies holding such characters (a forged session cookie must not reach the
database), and shortens uploaded file names to what a file system stores
(`safe_file_name`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import escape

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
# Refused everywhere: C0 controls but \t \n \r, DEL, C1 controls, lone surrogates.
INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# A stored file name stays under the 255 bytes most file systems allow, with room for the
# "_<7 random characters>" the storage adds when the name is taken.
MAX_FILE_NAME_BYTES = 200
MAX_EXTENSION_BYTES = 16
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def has_invalid_characters(text: str) -> bool:
    return INVALID.search(text) is not None


def _cut(text: str, max_bytes: int) -> str:
    """`text` shortened to at most `max_bytes` of UTF-8, never splitting a character."""
    return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


def safe_file_name(name: str, max_bytes: int = MAX_FILE_NAME_BYTES) -> str:
    """A file name safe to store: no folders, no control characters, at most `max_bytes`
    bytes of UTF-8 with its extension kept ("<long name>.pdf" → "<shorter name>.pdf")."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = INVALID.sub("", name).strip().lstrip(".") or "file"
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension.encode("utf-8")) > MAX_EXTENSION_BYTES:
        return _cut(name, max_bytes).strip() or "file"
    extension = "." + extension
    stem = _cut(stem, max_bytes - len(extension.encode("utf-8"))).strip() or "file"
    return stem + extension


def invalid_strings(value, path: str = "") -> Iterator[str]:
    """Dotted paths ("applicant.full_name", "documents.0.name") of the keys and strings in
    decoded JSON that hold refused characters. Iterative: no depth makes it recurse."""
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if has_invalid_characters(item):
                yield where or "body"
        elif isinstance(item, dict):
            for key, child in item.items():
                key = str(key)
                child_path = f"{where}.{key}" if where else key
                if has_invalid_characters(key):
                    yield child_path
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{where}.{i}" if where else str(i), c) for i, c in enumerate(item))


def _invalid_in_querydict(data, prefix: str = "") -> str | None:
    for key, values in data.lists():
        if has_invalid_characters(key) or any(
            isinstance(v, str) and has_invalid_characters(v) for v in values
        ):
            return prefix + key
    return None


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(status: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    """The API's one error shape (docs/api.md, "Errors")."""
    fields = dict(fields or {})
    return JsonResponse(
        {
            "error": {
                "code": code,
                "message": str(message),
                "fields": fields,
                "field_messages": {name: _("This value is not valid.") for name in fields},
                "missing": [],
            }
        },
        status=status,
    )


def _language(request) -> str:
    """The language the answer is written in: the API follows Accept-Language, pages the
    language cookie (as `core.middleware.PortalLocaleMiddleware` does, which runs later)."""
    if is_api(request):
        return translation.get_language_from_request(request)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen and translation.check_for_language(chosen):
        return translation.get_supported_language_variant(chosen)
    return settings.LANGUAGE_CODE


def _page(status: int, title: str, message: str, language: str) -> HttpResponse:
    html = (
        f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>"
        f'<p>{escape(message)}</p><p><a href="/">{escape(_("Home page"))}</a></p></body></html>'
    )
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


class Refusal(Exception):
    def __init__(self, kind: str, field: str = ""):
        self.kind, self.field = kind, field
        super().__init__(kind)


class HostileInputMiddleware:
    """Runs first (after SecurityMiddleware): nothing behind it sees refused input."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self._drop_invalid_cookies(request)
        try:
            self._check(request)
        except Refusal as refusal:
            with translation.override(_language(request)):
                return self._refuse(request, refusal)
        return self.get_response(request)

    @staticmethod
    def _drop_invalid_cookies(request) -> None:
        for name, value in list(request.COOKIES.items()):
            if has_invalid_characters(name) or has_invalid_characters(value):
                del request.COOKIES[name]

    def _check(self, request) -> None:
        if has_invalid_characters(request.path_info):
            raise Refusal("characters", "path")
        field = _invalid_in_querydict(request.GET)
        if field is not None:
            raise Refusal("characters", field)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        if is_api(request):
            try:  # read once and keep: the API's parser reads `body` whatever the type
                request.body  # noqa: B018
            except RequestDataTooBig:
                raise Refusal("too_large") from None
        if request.content_type in FORM_TYPES:
            self._check_form(request)
        elif is_api(request) or request.content_type.endswith("json"):
            self._check_json(request)

    @staticmethod
    def _check_form(request) -> None:
        try:
            post, files = request.POST, request.FILES
        except RequestDataTooBig:
            raise Refusal("too_large") from None
        except (TooManyFieldsSent, TooManyFilesSent):
            raise Refusal("too_many_fields") from None
        field = _invalid_in_querydict(post)
        if field is not None:
            raise Refusal("characters", field)
        for key, uploads in files.lists():
            for upload in uploads:
                if has_invalid_characters(key) or has_invalid_characters(upload.name or ""):
                    raise Refusal("characters", key)
                upload.name = safe_file_name(upload.name)

    @staticmethod
    def _check_json(request) -> None:
        try:
            raw = request.body
        except RequestDataTooBig:
            raise Refusal("too_large") from None
        if not raw:
            return
        try:
            data = json.loads(raw)
        except RecursionError:  # nested deeper than any parser here can follow
            raise Refusal("unreadable") from None
        except ValueError:
            return  # malformed: the view answers it (the API: 400 "invalid", field "body")
        where = next(invalid_strings(data), None)
        if where is not None:
            raise Refusal("characters", where)

    @staticmethod
    def _refuse(request, refusal: Refusal) -> HttpResponse:
        limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        if refusal.kind == "characters":
            status, code = 400, "invalid_characters"
            fields = {refusal.field: "invalid"}
            message = _(
                "The request contains characters that are not allowed (control characters "
                "such as NUL)."
            )
        elif refusal.kind == "too_large":
            status, code, fields = 413, "too_large", {"body": "invalid"}
            message = _("The request is too large (at most %(limit)s MB).") % {"limit": limit_mb}
        elif refusal.kind == "too_many_fields":
            status, code, fields = 400, "invalid", {"body": "invalid"}
            message = _("The request has too many fields.")
        else:
            status, code, fields = 400, "invalid", {"body": "invalid"}
            message = _("The request body could not be read.")
        if is_api(request):
            return api_error(status, code, message, fields)
        return _page(
            status,
            _("The request could not be accepted"),
            message + " " + _("Please check what you entered and try again."),
            translation.get_language(),
        )
