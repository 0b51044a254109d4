"""E-form revisions and records in the admin, read only: forms are edited on the
supervisors' page (/office/eforms/<code>/), which checks them and audits each revision."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from motcua.core.admin import ReadOnlyAdmin
from motcua.eforms.models import FormDefinition, FormRecord


@admin.register(FormDefinition)
class FormDefinitionAdmin(ReadOnlyAdmin):
    list_display = ("procedure", "revision", "created_at", "created_by", "note", "editor")
    search_fields = ("procedure__code", "procedure__name")
    list_select_related = ("procedure", "created_by")

    @admin.display(description=_("edit"))
    def editor(self, obj):
        url = reverse("eforms:edit", args=[obj.procedure.code])
        return format_html('<a href="{}">{}</a>', url, _("Edit the form"))


@admin.register(FormRecord)
class FormRecordAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "definition", "builtin", "identity_verified", "submitted_at")
    list_filter = ("identity_verified",)
    search_fields = ("dossier__code",)
    list_select_related = ("dossier", "definition")
