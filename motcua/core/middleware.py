"""Core middleware.

- `PortalLocaleMiddleware`: the portal speaks Vietnamese unless the visitor picks English
  with the language switch (a cookie); a browser's Accept-Language does not switch it. The
  API still follows Accept-Language, which is how integrating systems ask for a language.
- `RequestLogMiddleware`: a request id and one log line per request (docs/security.md).
- `NoStoreMiddleware`: `Cache-Control: no-store, private` where personal data is shown.
"""

import logging
import re
import time
import uuid

from django.middleware.locale import LocaleMiddleware
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject, empty

from motcua.core.logging import current_request_id


class PortalLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


# --- Request ids and the request log ---------------------------------------------------------

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
request_log = logging.getLogger("motcua.request")


def _user_id(request):
    """The signed-in user's id if the request already looked the user up (the log line must
    not cost a query), else None."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    """Gives each request an id (the proxy's X-Request-ID when it is a plain token, else a new
    one), returns it in the X-Request-ID header, and logs one line when the response is
    ready: method, path without query string, status, duration in ms, user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(REQUEST_ID_HEADER, "")
        request_id = incoming if SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = current_request_id.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            status = response.status_code
            request_log.log(
                logging.ERROR if status >= 500 else logging.INFO,
                "%s %s %s",
                request.method,
                request.path[:300],
                status,
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path[:300],
                    "status": status,
                    "duration_ms": round((time.monotonic() - started) * 1000),
                    "user": _user_id(request),
                },
            )
            return response
        finally:
            current_request_id.reset(token)


# --- Cache-Control: personal data is never kept by browsers or proxies ----------------------

NO_STORE_PREFIXES = ("/office/", "/api/", "/lookup/", "/admin/", "/accounts/")


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response to a signed-in user and on every
    path that shows personal data: the back office and its printed forms (/office/), the
    API, the public dossier lookup, the admin and the sign-in pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(NO_STORE_PREFIXES) or _signed_in(request):
            patch_cache_control(response, no_store=True, private=True)
        return response


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
