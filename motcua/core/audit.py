"""The audit trail: one `AuditEvent` per change, per read of personal data, per sign-in and
per refusal (docs/security.md lists the actions).

`record` is for a change or a read of one object, inside the transaction that makes it.
`record_about` is for what has no row of its own (an unknown user name that failed to
sign in, a whole-catalogue export). `refused` records that a permission check said no.
"""

from motcua.core.models import AuditEvent

SUMMARY_MAX = 500


def _actor(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _clean(value):
    """Storable everywhere: PostgreSQL's jsonb and text columns refuse NUL characters."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_clean(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def record_about(
    action: str, object_type: str, object_id="", actor=None, summary: str = "", **data
) -> AuditEvent:
    """Append an audit event about an object named by type and id (either may be "")."""
    return AuditEvent.objects.create(
        actor=_actor(actor),
        action=action,
        object_type=object_type[:64],
        object_id=str(object_id)[:64],
        summary=_clean(str(summary))[:SUMMARY_MAX],
        data=_clean(data),
    )


def record(action: str, obj, actor=None, summary: str = "", **data) -> AuditEvent:
    """Append an audit event for `obj`; call inside the transaction that changes `obj`."""
    return record_about(action, obj._meta.label_lower, obj.pk, actor, summary, **data)


def refused(actor, what: str, obj=None, **data) -> AuditEvent:
    """Record that `actor` was refused `what` (an action name such as "dossier.approve" or a
    page such as "dossier.view"), on `obj` if there is one. Call where a permission check
    says no, before answering 403/404; it writes even though the request changes nothing."""
    if obj is None:
        return record_about("permission.refused", "", "", actor, what, what=what, **data)
    return record("permission.refused", obj, actor, what, what=what, **data)
