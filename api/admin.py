"""API tokens in Django's admin: created (shown once), revoked, never changed."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.models import TOKEN_ORGANISATIONS, ApiToken
from api.services import issue_token, revoke_token
from authorities.models import User

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldGroups


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "user"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field = self.fields.get("user")  # absent on the read-only page of a token
        if isinstance(user_field, forms.ModelChoiceField):
            user_field.queryset = User.objects.filter(
                is_active=True, organisation_kind__in=TOKEN_ORGANISATIONS
            ).order_by("username")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "key_start", "user", "organisation", "created_at", "last_used_at"]
    list_display += ["revoked_at"]
    list_filter = ["user__organisation_kind", "revoked_at"]
    list_select_related = ["user", "user__authority"]
    search_fields = ["name", "key_start", "user__username"]
    readonly_fields = ["key_start", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    @admin.display(description=gettext_lazy("Organisation"))
    def organisation(self, token: ApiToken) -> str:
        return token.user.organisation_name

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> "_FieldGroups":
        if obj is None:
            return ["name", "user"]
        return ["name", "user", *self.readonly_fields]

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        # A token is never changed (its account and name are what was agreed): view or revoke.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        text = issue_token(obj, by=request.user)
        messages.warning(
            request,
            _(
                "Der API-Schlüssel für „%(name)s“ lautet: %(token)s – er wird nur jetzt "
                "angezeigt. Geben Sie ihn sicher weiter; gespeichert ist nur sein Hashwert."
            )
            % {"name": obj.name, "token": text},
        )

    @admin.action(description=gettext_lazy("Ausgewählte API-Schlüssel widerrufen"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        assert isinstance(request.user, User)
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            revoke_token(token, by=request.user)
        self.message_user(
            request, _("%(count)d API-Schlüssel widerrufen.") % {"count": len(tokens)}
        )
