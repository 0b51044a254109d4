"""Supervisors configure internal processes, inter-agency chains and delegations here.

Dossiers and their events are shown read-only: they change only through the services (the
back office and the API), and are never deleted.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.admin import ReadOnlyAdmin
from motcua.dossiers import services
from motcua.dossiers.models import (
    ChainLink,
    Delegation,
    Dossier,
    DossierEvent,
    InterAgencyChain,
    Process,
    ProcessStep,
)


class StepFormSet(forms.BaseInlineFormSet):
    """The steps' allotted hours must add up to the procedure's local time limit."""

    def clean(self):
        super().clean()
        if any(self.errors) or not self.instance.procedure_id:
            return
        steps = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE", False)
        ]
        if not steps:
            raise forms.ValidationError(_("A process needs at least one step."))
        positions = [s["position"] for s in steps]
        if len(set(positions)) != len(positions):
            raise forms.ValidationError(_("Two steps have the same position."))
        total = sum((s["allotted_hours"] for s in steps), Decimal(0))
        expected = services.process_hours(self.instance.procedure)
        if total != expected:
            raise forms.ValidationError(
                _(
                    "The steps add up to %(total)s working hours, but the procedure's local "
                    "time limit is %(expected)s working hours."
                )
                % {"total": _hours(total), "expected": _hours(expected)}
            )
        for s in steps:
            if s.get("performer") == ProcessStep.Performer.AGENCY and not s.get("agency"):
                raise forms.ValidationError(
                    _("Step %(position)s is done by a named agency: choose the agency.")
                    % {"position": s["position"]}
                )


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


class ProcessStepInline(admin.TabularInline):
    model = ProcessStep
    formset = StepFormSet
    extra = 0
    min_num = 1
    autocomplete_fields = ("agency",)


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ("name", "procedure", "agency", "total_hours", "is_active")
    list_filter = ("is_active", "procedure__level")
    search_fields = ("name", "procedure__code", "procedure__name_folded", "procedure__name")
    autocomplete_fields = ("procedure", "agency")
    inlines = [ProcessStepInline]
    list_select_related = ("procedure", "agency")

    @admin.display(description=gettext_lazy("allotted working hours"))
    def total_hours(self, obj):
        return _hours(sum((s.allotted_hours for s in obj.steps.all()), Decimal(0)))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps")


class ChainLinkInline(admin.TabularInline):
    model = ChainLink
    extra = 0
    min_num = 2
    autocomplete_fields = ("procedure", "agency")


@admin.register(InterAgencyChain)
class InterAgencyChainAdmin(admin.ModelAdmin):
    list_display = ("name", "legal_basis", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    inlines = [ChainLinkInline]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ("leader", "deputy", "agency", "starts_at", "ends_at", "reason")
    list_filter = ("agency__level",)
    search_fields = ("leader__username", "deputy__username", "leader__full_name")
    autocomplete_fields = ("leader", "deputy", "agency")

    def has_delete_permission(self, request, obj=None):
        return False  # end a delegation early by changing its end; the record stays


class EventInline(admin.TabularInline):
    model = DossierEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_status", "to_status", "actor", "agency", "step", "comment")
    readonly_fields = fields
    ordering = ("at", "id")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "procedure",
        "status",
        "channel",
        "performing_agency",
        "received_at",
        "due_at",
        "timeliness",
    )
    list_filter = ("status", "channel", "timeliness", "procedure__level")
    search_fields = ("code",)
    list_select_related = ("procedure", "performing_agency")
    date_hierarchy = "received_at"
    inlines = [EventInline]
    show_full_result_count = False
