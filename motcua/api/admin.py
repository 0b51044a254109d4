"""API tokens in the admin: issued through `services.issue_token` (the secret is shown once,
on the page after saving), revoked with an action; never edited."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.api import services
from motcua.api.models import ApiToken

KEY_FIELDS = ("key_prefix", "key_hash", "created_at", "last_used_at", "revoked_at")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "key_prefix", "user__username")
    autocomplete_fields = ("user",)
    filter_horizontal = ("agencies",)
    readonly_fields = KEY_FIELDS
    actions = ["revoke_tokens"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "user", "agencies")
        return ("name", "user", "agencies", *KEY_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return KEY_FIELDS if obj is None else ("name", "user", "agencies", *KEY_FIELDS)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail refers to tokens

    def save_model(self, request, obj, form, change):
        if change:
            return  # every field is read-only once issued
        token, secret = services.issue_token(
            form.cleaned_data["name"],
            form.cleaned_data["user"],
            form.cleaned_data["agencies"],
            actor=request.user,
        )
        obj.pk = token.pk
        obj.key_prefix, obj.key_hash, obj.created_at = (
            token.key_prefix,
            token.key_hash,
            token.created_at,
        )
        obj._secret = secret

    def save_related(self, request, form, formsets, change):
        pass  # issue_token set the agencies

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(obj, "_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": obj,
            "secret": secret,
            "title": _("API token issued"),
        }
        response = TemplateResponse(request, "admin/api/apitoken/secret.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke_tokens(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            services.revoke(token, actor=request.user)
            count += 1
        self.message_user(
            request, _("Revoked %(count)d token(s).") % {"count": count}, messages.SUCCESS
        )
