"""Working-time calendar and legal deadlines.

    from motcua.worktime import due_at, classify, urgency

`due_at`, `classify`, `deadline`, `transfer_due`, `intake_cutoff`, `urgency` and
`get_calendar` live in motcua.worktime.calendars (Django-aware) and are loaded on first
use, so that this package, its pure core (motcua.worktime.core) and its data
(motcua.worktime.vn) import without Django.
"""

_API = (
    "classify",
    "deadline",
    "due_at",
    "get_calendar",
    "intake_cutoff",
    "transfer_due",
    "urgency",
)


def __getattr__(name):
    if name in _API:
        from motcua.worktime import calendars

        return getattr(calendars, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_API])
