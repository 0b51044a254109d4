"""Supervisors see what was and was not sent, and can retry: read-only rows, recipients
masked, one action ("retry now") that goes through services.retry and is audited."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from motcua.core.admin import ReadOnlyAdmin
from motcua.outbox import services
from motcua.outbox.models import Message, Status


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "state",
        "channel",
        "masked_recipient",
        "subject",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "channel", "kind")
    search_fields = ("subject", "object_id")  # never the recipient: it is not shown
    date_hierarchy = "created_at"
    actions = ("retry_now",)
    fields = (
        "state",
        "channel",
        "masked_recipient",
        "subject",
        "body",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "last_error",
        "created_at",
        "sent_at",
        "kind",
        "object_type",
        "object_id",
        "context",
        "dedupe_key",
    )
    readonly_fields = fields

    def has_retry_permission(self, request):
        return request.user.has_perm("outbox.retry_message")

    @admin.display(description=_("recipient"))
    def masked_recipient(self, obj):
        return services.mask(obj.recipient, obj.channel)

    @admin.display(description=_("status"), ordering="status")
    def state(self, obj):
        if obj.retrying:
            return _("Retrying (attempt %(n)s failed)") % {"n": obj.attempts}
        return obj.get_status_display()

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        done = 0
        for message in queryset.exclude(status=Status.SENT):
            try:
                services.retry(message, request.user)
            except services.OutboxError as exc:
                self.message_user(request, f"#{message.pk}: {exc}", messages.WARNING)
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(n)d message queued again.", "%(n)d messages queued again.", done)
            % {"n": done},
            messages.SUCCESS,
        )
