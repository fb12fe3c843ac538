from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from authorities.models import (
    Authority,
    AutobahnpolizeiDutyPeriod,
    ComparisonGroup,
    Contact,
    Coverage,
    PartnerAgency,
    PartnerCategoryPeriod,
    User,
)


class DutyPeriodInline(admin.TabularInline):
    """The dated history, written by every save (DatedMasterData): shown, never edited."""

    model = AutobahnpolizeiDutyPeriod
    extra = 0
    can_delete = False
    readonly_fields = ["has_autobahnpolizei", "valid_until"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CategoryPeriodInline(DutyPeriodInline):
    model = PartnerCategoryPeriod  # type: ignore[assignment]
    readonly_fields = ["category", "valid_until"]


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = [
        "short_name",
        "kind",
        "regierungsbezirk",
        "has_autobahnpolizei",
        "comparison_group",
    ]
    list_filter = ["kind", "regierungsbezirk", "has_autobahnpolizei"]
    search_fields = ["official_name", "short_name"]
    inlines = [DutyPeriodInline]


class CoverageInline(admin.TabularInline):
    model = Coverage
    extra = 0


@admin.register(PartnerAgency)
class PartnerAgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "confidence", "active"]
    list_filter = ["category", "confidence", "active"]
    search_fields = ["name"]
    inlines = [CoverageInline, CategoryPeriodInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "function", "agency"]
    search_fields = ["name", "agency__name"]


admin.site.register(ComparisonGroup)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),  # typed optional; Django's UserAdmin sets them
        ("SiKo", {"fields": ("organisation_kind", "authority", "partner_agency", "function")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("SiKo", {"fields": ("organisation_kind", "authority", "partner_agency")}),
    )
    list_display = ["username", "organisation_kind", "authority", "partner_agency", "is_active"]
