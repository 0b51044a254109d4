"""Audit rows for signing in and out (connected in CoreConfig.ready).

auth.login, auth.logout: against the user, by the user.
auth.login_failed: against the user if the name exists, else against no row (object id "");
    `data` holds the user name as typed and the client address, never the password.
auth.locked_out: django-axes refused the user name from this address (too many failures);
    written at the failure that locks and at each attempt refused while locked.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from motcua.core import audit
from motcua.core.security import client_ip


def _address(request) -> str:
    return client_ip(request) if request is not None else ""


def _about_username(action: str, username: str, request, **data) -> None:
    User = get_user_model()
    username = (username or "").replace("\x00", "")[:150]
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if user is not None:
        audit.record(action, user, username=username, ip=_address(request), **data)
    else:
        audit.record_about(
            action, User._meta.label_lower, "", username=username, ip=_address(request), **data
        )


@receiver(user_logged_in, dispatch_uid="motcua.core.audit_login")
def audit_login(sender, request, user, **kwargs):
    audit.record("auth.login", user, user, ip=_address(request))


@receiver(user_logged_out, dispatch_uid="motcua.core.audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record("auth.logout", user, user, ip=_address(request))


@receiver(user_login_failed, dispatch_uid="motcua.core.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in `credentials` with stars; we keep only the
    # user name anyway.
    field = get_user_model().USERNAME_FIELD
    username = credentials.get(field) or credentials.get("username") or ""
    _about_username("auth.login_failed", str(username), request)


@receiver(user_locked_out, dispatch_uid="motcua.core.audit_locked_out")
def audit_locked_out(sender, request, username, ip_address=None, **kwargs):
    _about_username("auth.locked_out", str(username or ""), request)
