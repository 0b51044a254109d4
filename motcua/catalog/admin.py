from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog import exchange, services
from motcua.catalog.models import (
    Fee,
    Procedure,
    ProcedureVersion,
    PublicationDecision,
    PublicationItem,
    RequiredDocument,
    SearchPhrase,
    Sector,
)
from motcua.core.text import fold

MAX_IMPORT_BYTES = 20 * 1024 * 1024
EXPORT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name", "name_folded")

    def save_model(self, request, obj, form, change):
        obj.name_folded = fold(obj.name)
        super().save_model(request, obj, form, change)


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0


class FeeInline(admin.TabularInline):
    model = Fee
    extra = 0


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    extra = 0
    fields = (
        "number",
        "change",
        "valid_from",
        "valid_to",
        "decision",
        "recorded_at",
        "recorded_by",
    )
    readonly_fields = fields
    can_delete = False
    ordering = ("-number",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "sector", "agency", "online_level", "status")
    list_filter = ("status", "level", "online_level", "one_stop", "inter_agency", "sector")
    search_fields = ("code", "name", "name_folded")
    autocomplete_fields = ("sector", "agency")
    readonly_fields = ("status", "valid_from", "valid_to", "version")
    inlines = [RequiredDocumentInline, FeeInline, VersionInline]

    def get_search_results(self, request, queryset, search_term):
        from motcua.catalog.search import search

        if not search_term:
            return queryset, False
        return search(queryset, search_term), False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.record_edit(form.instance, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        urls = [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="catalog_procedure_export",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="catalog_procedure_import",
            ),
        ]
        return urls + super().get_urls()

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        fmt = request.GET.get("format", "xlsx")
        if fmt not in exchange.FORMATS:
            fmt = "xlsx"
        response = HttpResponse(
            exchange.export(fmt, actor=request.user), content_type=EXPORT_TYPES[fmt]
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="thu-tuc-{stamp}.{fmt}"'
        return response

    def import_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            fmt = upload.name.rsplit(".", 1)[-1].lower()
            try:
                result = exchange.import_catalogue(
                    upload.read(),
                    fmt,
                    effective_on=form.cleaned_data["effective_on"],
                    decision=form.cleaned_data["decision"],
                    actor=request.user,
                )
            except exchange.ImportFailed as failed:
                errors = failed.errors
            else:
                messages.success(
                    request,
                    _(
                        "Imported: %(created)s created, %(amended)s amended, "
                        "%(unchanged)s unchanged."
                    )
                    % vars(result),
                )
                return redirect("admin:catalog_procedure_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
            "title": _("Import catalogue"),
        }
        return TemplateResponse(request, "admin/catalog/procedure/import.html", context)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (JSON, CSV or XLSX)"))
    effective_on = forms.DateField(
        label=_("In force from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    decision = forms.ModelChoiceField(
        label=_("Publication decision"),
        required=False,
        queryset=PublicationDecision.objects.all(),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = upload.name.rsplit(".", 1)[-1].lower()
        if extension not in exchange.FORMATS:
            raise forms.ValidationError(_("The file must end in .json, .csv or .xlsx."))
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


class PublicationItemInline(admin.TabularInline):
    model = PublicationItem
    extra = 0
    autocomplete_fields = ("procedure",)
    filter_horizontal = ("replaces",)


@admin.register(PublicationDecision)
class PublicationDecisionAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "signed_on", "effective_on")
    search_fields = ("number", "title")
    date_hierarchy = "signed_on"
    inlines = [PublicationItemInline]


class SearchPhraseForm(forms.ModelForm):
    class Meta:
        model = SearchPhrase
        fields = ("phrase", "means", "is_active")

    def clean(self):
        data = super().clean()
        try:
            services.check_search_phrase(
                data.get("phrase", ""), data.get("means", ""), self.instance
            )
        except services.InvalidPhrase as error:
            raise forms.ValidationError(str(error)) from None
        return data


@admin.register(SearchPhrase)
class SearchPhraseAdmin(admin.ModelAdmin):
    """Everyday phrases of the catalogue search (docs/catalogue.md, "Search"): saved through
    services.save_search_phrase (one audit event each); switched off, never deleted."""

    form = SearchPhraseForm
    list_display = ("phrase", "means", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("phrase", "phrase_key", "means")

    def save_model(self, request, obj, form, change):
        services.save_search_phrase(
            obj,
            phrase=form.cleaned_data["phrase"],
            means=form.cleaned_data.get("means", ""),
            is_active=form.cleaned_data.get("is_active", True),
            actor=request.user,
        )

    def has_delete_permission(self, request, obj=None):
        return False
