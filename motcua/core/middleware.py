"""The portal speaks Vietnamese unless the visitor picks English with the language switch
(a cookie); a browser's Accept-Language does not switch it. The API still follows
Accept-Language, which is how integrating systems ask for a language."""

from django.middleware.locale import LocaleMiddleware


class PortalLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
