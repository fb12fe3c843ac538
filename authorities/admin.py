from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from authorities.accounts import deactivate_user, resend_setup_mail, reset_second_factor
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
    list_filter = ["is_active", "organisation_kind", "is_superuser"]
    actions = ["deactivate", "reset_second_factor", "resend_setup_link"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Leavers are deactivated, not deleted: their audit entries keep naming them.
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=gettext_lazy("Ausgewählte Benutzer deaktivieren (ausgeschieden)"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = sum(deactivate_user(user, by=request.user) for user in queryset)  # type: ignore[arg-type]
        self.message_user(
            request,
            _("%(count)s Benutzer deaktiviert; sie können sich nicht mehr anmelden.")
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("Link zum Festlegen des Passworts erneut senden"))
    def resend_setup_link(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        sent = sum(resend_setup_mail(user, by=request.user) for user in queryset)  # type: ignore[arg-type]
        self.message_user(
            request,
            _(
                "Neuer Link an %(sent)s Benutzer gesandt (gültig 72 Stunden). Konten mit "
                "Passwort erhalten keinen: dort hilft „Passwort vergessen“."
            )
            % {"sent": sent},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("Zweiten Faktor zurücksetzen"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            reset_second_factor(user, by=request.user)  # type: ignore[arg-type]
        self.message_user(
            request,
            _(
                "Zweiter Faktor von %(count)s Benutzer(n) zurückgesetzt: App, Passkeys und "
                "Wiederherstellungscodes gelten nicht mehr; bei der nächsten Anmeldung wird er "
                "neu eingerichtet."
            )
            % {"count": queryset.count()},
            messages.SUCCESS,
        )
