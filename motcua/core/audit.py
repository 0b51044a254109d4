from motcua.core.models import AuditEvent


def record(action: str, obj, actor=None, summary: str = "", **data) -> AuditEvent:
    """Append an audit event for `obj`; call inside the transaction that changes `obj`."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary[:500],
        data=data,
    )
