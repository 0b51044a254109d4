"""The citizen signed in (their account), for the menu; None for officers and visitors."""

from motcua.accounts.decorators import account_of


def citizen(request):
    return {"citizen": account_of(getattr(request, "user", None))}
