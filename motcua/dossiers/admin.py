"""Supervisors configure internal processes and inter-agency chains here; administrators
manage delegations.

Every save goes through the services: processes and chains through
`dossiers/configuration.py` (the forms show its checks as errors; nothing is deleted, only
deactivated), delegations through `services.delegate` and `services.end_delegation`.

Dossiers and their events are shown read-only: they change only through the services (the
back office and the API), and are never deleted.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.admin import ReadOnlyAdmin
from motcua.dossiers import configuration, services
from motcua.dossiers.models import (
    ChainLink,
    Delegation,
    Dossier,
    DossierEvent,
    InterAgencyChain,
    Process,
    ProcessStep,
)


def _changed_nothing(formsets) -> None:
    """The services wrote the rows: tell the admin's change message there is nothing more."""
    for formset in formsets:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


def _rows(formset, fields) -> list[dict]:
    """The rows an inline formset asks for (deleted and untouched empty rows left out)."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        row = {field: data.get(field) for field in fields}
        row["id"] = form.instance.pk
        rows.append(row)
    return rows


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


class ConfigurationForm(forms.ModelForm):
    """Checks the configuration's own fields with the service's rules (clear messages)."""

    check = None  # the configuration.check_*_header function

    def _get_validation_exclusions(self):
        # The model's conditional unique constraint (one active process) is checked by the
        # service with a message that says what to do; skip Django's generic one.
        return super()._get_validation_exclusions() | {"is_active"}

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                type(self).check(data, self.instance)
            except ValidationError as error:
                self.add_error(None, error)
        return data


class ProcessForm(ConfigurationForm):
    check = staticmethod(configuration.check_process_header)


class ChainForm(ConfigurationForm):
    check = staticmethod(lambda data, chain: configuration.check_chain_header(data))


class StepFormSet(forms.BaseInlineFormSet):
    """The steps are checked as a whole by configuration.check_steps (see its rules)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        process = self.instance
        if process.procedure_id is None:
            return  # the process form shows that the procedure is missing
        data = {"procedure": process.procedure, "agency": process.agency}
        try:
            configuration.check_steps(data, _rows(self, configuration.STEP_FIELDS), process)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error


class LinkFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            configuration.check_links(_rows(self, configuration.LINK_FIELDS), self.instance)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error


class ServiceAdmin(admin.ModelAdmin):
    """An admin whose saves call a service. The forms run the service's checks, so a refusal
    at save time means the data changed in between (another save the same second): the
    whole save is rolled back and the page says why, instead of a server error."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class NoDeleteAdmin(ServiceAdmin):
    """Configuration is deactivated, never deleted; the rows are written by the services."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        pass  # written with its inlines by the service, in save_related


class ProcessStepInline(admin.TabularInline):
    model = ProcessStep
    formset = StepFormSet
    extra = 0
    min_num = 1
    autocomplete_fields = ("agency",)

    def has_delete_permission(self, request, obj=None):
        # Removing a step is a change of its process (the service refuses steps in use).
        return self.has_change_permission(request, obj)


@admin.register(Process)
class ProcessAdmin(NoDeleteAdmin):
    form = ProcessForm
    list_display = ("name", "procedure", "agency", "total_hours", "is_active")
    list_filter = ("is_active", "procedure__level")
    search_fields = ("name", "procedure__code", "procedure__name_folded", "procedure__name")
    autocomplete_fields = ("procedure", "agency")
    inlines = [ProcessStepInline]
    list_select_related = ("procedure", "agency")
    actions = ["activate", "deactivate"]

    @admin.display(description=gettext_lazy("allotted working hours"))
    def total_hours(self, obj):
        return _hours(sum((s.allotted_hours for s in obj.steps.all()), Decimal(0)))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps")

    def save_related(self, request, form, formsets, change):
        data = {f: form.cleaned_data.get(f) for f in ("procedure", "agency", "name", "is_active")}
        process = configuration.save_process(
            data,
            _rows(formsets[0], configuration.STEP_FIELDS),
            request.user,
            process=form.instance if change else None,
        )
        form.instance.pk = process.pk
        _changed_nothing(formsets)

    @admin.action(description=gettext_lazy("Activate the selected processes"))
    def activate(self, request, queryset):
        _set_active(self, request, queryset, True, configuration.set_process_active)

    @admin.action(description=gettext_lazy("Deactivate the selected processes"))
    def deactivate(self, request, queryset):
        _set_active(self, request, queryset, False, configuration.set_process_active)


def _set_active(model_admin, request, queryset, is_active, service):
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    for obj in queryset:
        try:
            service(obj, is_active, request.user)
        except ValidationError as error:
            model_admin.message_user(
                request, f"{obj}: {' '.join(error.messages)}", level=messages.ERROR
            )


class ChainLinkInline(admin.TabularInline):
    model = ChainLink
    formset = LinkFormSet
    extra = 0
    min_num = 2
    autocomplete_fields = ("procedure", "agency")

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


@admin.register(InterAgencyChain)
class InterAgencyChainAdmin(NoDeleteAdmin):
    form = ChainForm
    list_display = ("name", "legal_basis", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    inlines = [ChainLinkInline]
    actions = ["activate", "deactivate"]

    def save_related(self, request, form, formsets, change):
        data = {f: form.cleaned_data.get(f) for f in ("name", "legal_basis", "is_active")}
        chain = configuration.save_chain(
            data,
            _rows(formsets[0], configuration.LINK_FIELDS),
            request.user,
            chain=form.instance if change else None,
        )
        form.instance.pk = chain.pk
        _changed_nothing(formsets)

    @admin.action(description=gettext_lazy("Activate the selected chains"))
    def activate(self, request, queryset):
        _set_active(self, request, queryset, True, configuration.set_chain_active)

    @admin.action(description=gettext_lazy("Deactivate the selected chains"))
    def deactivate(self, request, queryset):
        _set_active(self, request, queryset, False, configuration.set_chain_active)


# Delegations are created by services.delegate and ended by services.end_delegation. Those
# services check and write in one go (there is no separate check), so the admin's form calls
# them from clean(): a refusal is a form error, and the admin's view is one transaction. The
# delegation admin has no inlines, so nothing after clean() can fail and leave a half save.

YEARS = (2000, 2099)  # compared by year: no time-zone arithmetic on year 1 or 9999


class DelegationAddForm(forms.ModelForm):
    class Meta:
        model = Delegation
        fields = ("leader", "deputy", "agency", "starts_at", "ends_at", "reason")

    def __init__(self, *args, **kwargs):
        self.actor = kwargs.pop("actor", None)
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        for field in ("starts_at", "ends_at"):
            value = data.get(field)
            if value is not None and not YEARS[0] <= value.year <= YEARS[1]:
                self.add_error(
                    field,
                    _("Enter a time between %(first)s and %(last)s.")
                    % {"first": "01/01/2000", "last": "31/12/2099"},
                )
        if self.errors:
            return data
        try:
            self.instance = services.delegate(
                leader=data["leader"],
                deputy=data["deputy"],
                agency=data["agency"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data.get("reason") or "",
                actor=self.actor,
            )
        except services.DossierError as error:
            raise forms.ValidationError(str(error)) from error
        return data


class DelegationEndForm(forms.ModelForm):
    end_now = forms.BooleanField(label=gettext_lazy("End this delegation now"), required=False)

    class Meta:
        model = Delegation
        fields = ()

    def __init__(self, *args, **kwargs):
        self.actor = kwargs.pop("actor", None)
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("end_now"):
            try:
                self.instance = services.end_delegation(self.instance, actor=self.actor)
            except services.DossierError as error:
                raise forms.ValidationError(str(error)) from error
        return data


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ("leader", "deputy", "agency", "starts_at", "ends_at", "reason")
    list_filter = ("agency__level",)
    search_fields = ("leader__username", "deputy__username", "leader__full_name")
    autocomplete_fields = ("leader", "deputy", "agency")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("leader", "deputy", "agency", "starts_at", "ends_at", "reason")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = DelegationEndForm if obj is not None else DelegationAddForm
        if obj is not None:
            kwargs["fields"] = ("end_now",)
        form = super().get_form(request, obj, change=change, **kwargs)

        class WithActor(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, actor=request.user, **kw)

        return WithActor

    def save_model(self, request, obj, form, change):
        pass  # written by services.delegate / end_delegation in the form's clean()

    def has_delete_permission(self, request, obj=None):
        return False  # end a delegation early instead; the record stays

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


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
