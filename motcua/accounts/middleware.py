"""Keeps citizens' accounts out of the back office.

Officers and citizens sign in differently (the officers' password sign-in; citizens
through the identity provider), but both are Django users: a citizen's session must not
open the officers' pages, whatever those pages check themselves. Paths under
MOTCUA_BACK_OFFICE_PATHS (except MOTCUA_PUBLIC_PATHS) answer a citizen's account with 403.
"""

from django.conf import settings
from django.shortcuts import render

from motcua.accounts.decorators import account_of
from motcua.core import audit

BACK_OFFICE_PATHS = ("/office/", "/admin/", "/reports/")
PUBLIC_PATHS = ("/reports/catalogue/",)


class CitizenBoundaryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        back_office = getattr(settings, "MOTCUA_BACK_OFFICE_PATHS", BACK_OFFICE_PATHS)
        public = getattr(settings, "MOTCUA_PUBLIC_PATHS", PUBLIC_PATHS)
        if (
            path.startswith(tuple(back_office))
            and not path.startswith(tuple(public))
            # Citizens' users never have a usable password (accounts.services): officers
            # cost no query here, and the back office's own checks still apply to anyone.
            and request.user.is_authenticated
            and not request.user.has_usable_password()
            and account_of(request.user) is not None
        ):
            audit.refused(request.user, "back_office", path=path[:200])
            return render(request, "accounts/back_office_refused.html", status=403)
        return self.get_response(request)
