from datetime import date

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import InlineForeignKeyField
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from motcua.core.admin import ReadOnlyAdmin
from motcua.org import services
from motcua.org.models import (
    AdminUnit,
    AdminUnitChange,
    Agency,
    AgencySuccession,
    Desk,
    Officer,
    User,
)


@admin.register(AdminUnit)
class AdminUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "unit_type", "level", "parent", "valid_from", "valid_to")
    list_filter = ("level", "unit_type")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)


@admin.register(AdminUnitChange)
class AdminUnitChangeAdmin(admin.ModelAdmin):
    list_display = ("effective_on", "kind", "instrument")
    list_filter = ("kind",)
    filter_horizontal = ("before", "after")


class DeskInline(admin.TabularInline):
    model = Desk
    fk_name = "agency"
    extra = 0
    autocomplete_fields = ("host",)


class AgencyForm(forms.ModelForm):
    """The code is the agency's electronic identifier, the first part of its dossier codes:
    it must follow one of the schemes in dossiers/codes.py (QCVN 102:2016, Quyết định
    20/2020)."""

    def clean_code(self):
        from motcua.dossiers.codes import identifier_scheme

        code = self.cleaned_data["code"].strip().upper()
        if identifier_scheme(code) is None:
            raise forms.ValidationError(
                _(
                    "Enter the agency's electronic identifier, e.g. H15.50.05.13 (Quyết định "
                    "20/2020/QĐ-TTg) or 000.00.37.H40 (QCVN 102:2016), at most 35 characters."
                )
            )
        return code


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    form = AgencyForm
    list_display = ("name", "code", "kind", "level", "admin_unit", "valid_from", "valid_to")
    list_filter = ("kind", "level")
    search_fields = ("name", "short_name", "code")
    autocomplete_fields = ("parent", "admin_unit")
    inlines = [DeskInline]


@admin.register(AgencySuccession)
class AgencySuccessionAdmin(ReadOnlyAdmin):
    """Read only: written when an agency closes (reorg.services; docs/reorganisation.md).
    The organisation on any date, with predecessors and successors: /office/organisation/."""

    list_display = ("effective_on", "predecessor", "successor")
    search_fields = ("predecessor__name", "predecessor__code", "successor__name", "successor__code")
    list_select_related = ("predecessor", "successor")


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ("name", "agency", "host", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "agency__name")
    autocomplete_fields = ("agency", "host")


POST_FIELDS = ("title", "desk", "valid_from", "valid_to")


class PostForm(forms.ModelForm):
    """An officer's post, checked by org.services.check_post (the services' own rules)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a post's holder, agency and role never change: end it instead
            for field in ("user", "agency", "role"):
                if field in self.fields and not isinstance(
                    self.fields[field], InlineForeignKeyField
                ):
                    self.fields[field].disabled = True

    def _get_validation_exclusions(self):
        # The model's "one open post" constraint is part of check_post's overlap rule, whose
        # message says what to do; skip Django's generic one.
        return super()._get_validation_exclusions() | {"valid_to"}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        post = self.instance
        user = data.get("user") or getattr(post, "user", None)
        agency = data.get("agency") or getattr(post, "agency", None)
        role = data.get("role") or post.role
        if user is None or agency is None or not role:
            return data
        try:
            services.check_post(
                user,
                agency,
                role,
                data.get("valid_from"),
                data.get("valid_to"),
                data.get("desk"),
                data.get("title") or "",
                exclude=post if post.pk else None,
            )
        except ValidationError as error:
            self.add_error(None, error)
        return data


def save_post(form: PostForm, user, actor) -> Officer:
    """Write a post of `form` through the services: appoint, end_post or change_post."""
    post = form.instance
    data = form.cleaned_data
    if post.pk is None:
        return services.appoint(
            user,
            data["agency"],
            data["role"],
            data.get("valid_from"),
            valid_to=data.get("valid_to"),
            desk=data.get("desk"),
            title=data.get("title") or "",
            actor=actor,
        )
    stored = Officer.objects.get(pk=post.pk)
    changes = {
        f: data.get(f) for f in POST_FIELDS if f in data and data.get(f) != getattr(stored, f)
    }
    if not changes:
        return stored
    if (
        set(changes) == {"valid_to"}
        and changes["valid_to"] is not None
        and (stored.valid_to is None or changes["valid_to"] < stored.valid_to)
    ):
        return services.end_post(stored, changes["valid_to"], actor=actor)
    return services.change_post(stored, actor=actor, **changes)


class PostFormSet(forms.BaseInlineFormSet):
    """Two new or changed rows of one user must not overlap either (the service checks each
    row against the stored posts)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if (a["agency"], a["role"]) != (b["agency"], b["role"]):
                    continue
                if _overlap(a, b):
                    raise forms.ValidationError(
                        _("Two posts with the same agency and role overlap.")
                    )


def _overlap(a, b) -> bool:
    start = max(d for d in (a.get("valid_from"), b.get("valid_from"), date.min) if d)
    ends = [d for d in (a.get("valid_to"), b.get("valid_to")) if d]
    return not ends or start < min(ends)


class OfficerInline(admin.TabularInline):
    model = Officer
    form = PostForm
    formset = PostFormSet
    extra = 0
    can_delete = False  # posts are ended (valid until), never deleted
    autocomplete_fields = ("agency", "desk")


class ServiceAdmin(admin.ModelAdmin):
    """Saves call the posts' services; the forms run the same checks first, so a refusal at
    save time means another save changed the posts in between: the save is rolled back and
    the page says why (see dossiers/admin.py)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(User)
class UserAdmin(ServiceAdmin, BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Officer details"), {"fields": ("full_name", "phone")}),
    )
    # Staff access and groups follow the officer's posts (org.services.sync_access).
    readonly_fields = ("is_staff", "groups", "user_permissions")
    list_display = ("username", "full_name", "email", "is_staff", "is_active")
    search_fields = ("username", "full_name", "email")
    inlines = [OfficerInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Officer:
            return super().save_formset(request, form, formset, change)
        for post_form in formset.forms:
            data = getattr(post_form, "cleaned_data", None)
            if not data or not post_form.has_changed():
                continue
            save_post(post_form, form.instance, request.user)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(Officer)
class OfficerAdmin(ServiceAdmin):
    form = PostForm
    list_display = ("user", "agency", "role", "title", "valid_from", "valid_to")
    list_filter = ("role", "agency__level")
    search_fields = ("user__username", "user__full_name", "agency__name")
    autocomplete_fields = ("user", "agency", "desk")

    def save_model(self, request, obj, form, change):
        user = form.cleaned_data.get("user") or obj.user
        post = save_post(form, user, request.user)
        obj.pk = post.pk

    def has_delete_permission(self, request, obj=None):
        return False  # posts are ended, never deleted

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
