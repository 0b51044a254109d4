from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from motcua.org.models import AdminUnit, AdminUnitChange, Agency, Desk, Officer, User


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


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "level", "admin_unit")
    list_filter = ("kind", "level")
    search_fields = ("name", "short_name", "code")
    autocomplete_fields = ("parent", "admin_unit")
    inlines = [DeskInline]


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ("name", "agency", "host", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "agency__name")
    autocomplete_fields = ("agency", "host")


class OfficerInline(admin.TabularInline):
    model = Officer
    extra = 0
    autocomplete_fields = ("agency", "desk")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Officer details"), {"fields": ("full_name", "phone")}),
    )
    list_display = ("username", "full_name", "email", "is_staff", "is_active")
    search_fields = ("username", "full_name", "email")
    inlines = [OfficerInline]


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ("user", "agency", "role", "title", "valid_from", "valid_to")
    list_filter = ("role", "agency__level")
    search_fields = ("user__username", "user__full_name", "agency__name")
    autocomplete_fields = ("user", "agency", "desk")
