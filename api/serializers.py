"""The API's objects, modelled on OParl (Body, Organization, Meeting, AgendaItem, File).

Field names are snake_case like `manage.py compliance --json`; `id` is the object's key in its
list (a slug for bodies and organisations, a number otherwise), `web` its page in SiKo.
"""

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from authorities.enums import AuthorityKind, PartnerCategory
from authorities.models import Authority, PartnerAgency
from conferences.enums import ConferenceKind, ConferenceStatus
from conferences.models import AgendaItem, Conference, MandatedTopic
from reports.management.commands.compliance import JSON_FIELDS
from reports.models import AnnualReport
from reports.selectors import FIRST_YEAR


def _absolute(context: dict[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class BodySerializer(serializers.ModelSerializer[Authority]):
    type = serializers.SerializerMethodField(help_text="immer „Body“ (OParl)")
    id = serializers.CharField(source="slug", help_text="Kennung der KPB, z. B. pp-dortmund")
    name = serializers.CharField(source="official_name", help_text="amtliche Bezeichnung")
    short_name = serializers.CharField(help_text="Kurzbezeichnung")
    kind = serializers.ChoiceField(choices=AuthorityKind.choices, help_text="pp oder lr")
    comparison_group = serializers.CharField(
        source="comparison_group.name", allow_null=True, default=None, help_text="Vergleichsgruppe"
    )
    web = serializers.SerializerMethodField(help_text="Seite der KPB in SiKo")

    class Meta:
        model = Authority
        fields = [
            "type",
            "id",
            "name",
            "short_name",
            "kind",
            "seat",
            "regierungsbezirk",
            "district",
            "has_autobahnpolizei",
            "comparison_group",
            "siko_start_year",
            "web",
        ]

    def get_type(self, obj: Authority) -> str:
        return "Body"

    def get_web(self, obj: Authority) -> str:
        return _absolute(
            self.context, reverse("authorities:authority_detail", kwargs={"slug": obj.slug})
        )


class OrganizationSerializer(serializers.ModelSerializer[PartnerAgency]):
    type = serializers.SerializerMethodField(help_text="immer „Organization“ (OParl)")
    id = serializers.CharField(source="slug", help_text="Kennung der Partnerbehörde")
    category = serializers.ChoiceField(choices=PartnerCategory.choices, help_text="Kategorie")
    routed_via: serializers.SlugRelatedField[PartnerAgency] = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="Kennung der Stelle, über die Einladungen gehen (null: direkt)",
    )

    class Meta:
        model = PartnerAgency
        fields = ["type", "id", "name", "category", "seat", "active", "routed_via"]

    def get_type(self, obj: PartnerAgency) -> str:
        return "Organization"


class AgendaItemSerializer(serializers.ModelSerializer[AgendaItem]):
    type = serializers.SerializerMethodField(help_text="immer „AgendaItem“ (OParl)")
    number = serializers.IntegerField(source="order", help_text="Nummer in der Tagesordnung")
    name = serializers.CharField(source="title", help_text="Titel")
    mandated_topic: serializers.SlugRelatedField[MandatedTopic] = serializers.SlugRelatedField(
        source="topic",
        slug_field="key",
        read_only=True,
        allow_null=True,
        help_text="Kennung des Pflichtthemas (null: freier Punkt)",
    )

    class Meta:
        model = AgendaItem
        fields = ["type", "number", "name", "notes", "duration_minutes", "presenter"]
        fields += ["mandated_topic"]

    def get_type(self, obj: AgendaItem) -> str:
        return "AgendaItem"


class MeetingSerializer(serializers.ModelSerializer[Conference]):
    type = serializers.SerializerMethodField(help_text="immer „Meeting“ (OParl)")
    name = serializers.CharField(source="title", help_text="Titel")
    kind = serializers.ChoiceField(choices=ConferenceKind.choices, help_text="siko oder siko_ap")
    status = serializers.ChoiceField(choices=ConferenceStatus.choices, help_text="Stand")
    location = serializers.CharField(source="place", help_text="Ort")
    host: serializers.SlugRelatedField[Authority] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="Kennung der gastgebenden KPB"
    )
    co_hosts = serializers.SerializerMethodField(help_text="Kennungen der Mitveranstalter")
    agenda_items = AgendaItemSerializer(many=True, read_only=True)
    web = serializers.SerializerMethodField(help_text="Seite der Konferenz in SiKo")

    class Meta:
        model = Conference
        fields = ["type", "id", "name", "kind", "status", "start", "end", "location", "host"]
        fields += ["co_hosts", "cancel_reason", "entered_afterwards", "agenda_items"]
        fields += ["created", "updated", "web"]

    def get_type(self, obj: Conference) -> str:
        return "Meeting"

    def get_co_hosts(self, obj: Conference) -> list[str]:
        return sorted(a.slug for a in obj.authorities.all() if a.pk != obj.host_id)

    def get_web(self, obj: Conference) -> str:
        return _absolute(self.context, obj.get_absolute_url())


class ComplianceSerializer(serializers.Serializer):
    """One ComplianceRecord.as_dict() – the objects of `manage.py compliance --json`."""

    authority = serializers.CharField()
    authority_name = serializers.CharField()
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    siko_held = serializers.BooleanField()
    siko_dates = serializers.ListField(child=serializers.DateField())
    siko_scheduled = serializers.BooleanField()
    siko_ap_required = serializers.BooleanField()
    siko_ap_held = serializers.BooleanField()
    siko_ap_scheduled = serializers.BooleanField()
    siko_ap_status = serializers.CharField(allow_null=True)
    categories_invited = serializers.ListField(child=serializers.CharField())
    categories_missing = serializers.ListField(child=serializers.CharField())
    categories_missing_required = serializers.ListField(child=serializers.CharField())
    topics_covered = serializers.ListField(child=serializers.CharField())
    topics_missing = serializers.ListField(child=serializers.CharField())
    exercise_participation = serializers.IntegerField()
    hospitations = serializers.IntegerField()
    status = serializers.CharField()
    notices = serializers.ListField(child=serializers.CharField())
    siko_conference_ids = serializers.ListField(child=serializers.IntegerField())
    siko_ap_conference_ids = serializers.ListField(child=serializers.IntegerField())
    scheduled_conference_ids = serializers.ListField(child=serializers.IntegerField())
    siko_ap_scheduled_conference_ids = serializers.ListField(child=serializers.IntegerField())
    unconfirmed_conference_ids = serializers.ListField(child=serializers.IntegerField())
    siko_ap_unconfirmed_conference_ids = serializers.ListField(child=serializers.IntegerField())
    exercise_ids = serializers.ListField(child=serializers.IntegerField())
    hospitation_ids = serializers.ListField(child=serializers.IntegerField())
    recorded_from = serializers.IntegerField(allow_null=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name, field in fields.items():
            field.help_text = JSON_FIELDS[name]
        return fields

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        # The record's own dict, as the command prints it (dates are ISO strings there too).
        return instance


class ComplianceQuerySerializer(serializers.Serializer):
    """The command's arguments: --year, --as-of, --authority (the same German messages)."""

    year = serializers.IntegerField(help_text="ausgewertetes Kalenderjahr, z. B. 2025")
    as_of = serializers.DateField(
        required=False, help_text="Stichtag JJJJ-MM-TT, ausgewertet am Ende dieses Tages"
    )
    body = serializers.SlugField(required=False, help_text="nur diese KPB (Kennung)")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # The range the schema states, as of today: from 2018 to the year after this one.
        fields["year"] = serializers.IntegerField(
            min_value=FIRST_YEAR,
            max_value=timezone.localdate().year + 1,
            help_text=fields["year"].help_text,
            error_messages={
                "min_value": _("Das Jahr liegt vor den Daten (ab {min_value})."),
                "max_value": _("Das Jahr liegt nach den Daten (bis {max_value})."),
                "invalid": _("Das Jahr ist eine Zahl, z. B. 2025."),
            },
        )
        return fields

    def validate_as_of(self, value: date) -> date:
        if not date(FIRST_YEAR, 1, 1) <= value <= date(timezone.localdate().year + 1, 12, 31):
            raise serializers.ValidationError(
                _("Der Stichtag liegt außerhalb der Daten (%(first)s–%(last)s).")
                % {"first": FIRST_YEAR, "last": timezone.localdate().year + 1}
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        latest = attrs.get("as_of", timezone.localdate()).year + 1
        if attrs["year"] > latest:
            raise serializers.ValidationError(
                {
                    "year": _("Jahr %(year)s liegt außerhalb der Daten (%(first)s–%(last)s).")
                    % {"year": attrs["year"], "first": FIRST_YEAR, "last": latest}
                }
            )
        return attrs


class ReportSerializer(serializers.ModelSerializer[AnnualReport]):
    type = serializers.SerializerMethodField(help_text="immer „File“ (OParl)")
    file = serializers.SerializerMethodField(
        help_text="Adresse der PDF-Datei (mit demselben Schlüssel abrufbar): für LZPD, LKA und "
        "IM der ganze Bericht, für eine KPB ihr eigener Teil"
    )
    file_sha256 = serializers.SerializerMethodField(
        help_text="SHA-256 der Datei unter file; null für den Teil einer KPB (beim Abruf erzeugt)"
    )
    sha256 = serializers.CharField(help_text="SHA-256 der Endfassung des ganzen Berichts")

    class Meta:
        model = AnnualReport
        fields = ["type", "id", "year", "version", "period_year", "state_as_of"]
        fields += ["finalised_at", "correction_reason", "sha256", "file", "file_sha256"]

    def _whole(self) -> bool:
        request = self.context["request"]
        return bool(request.user.has_perm("reports.read_annual_report"))

    def get_type(self, obj: AnnualReport) -> str:
        return "File"

    def get_file(self, obj: AnnualReport) -> str:
        return _absolute(self.context, reverse("api:report-file", kwargs={"pk": obj.pk}))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_file_sha256(self, obj: AnnualReport) -> str | None:
        return obj.sha256 if self._whole() else None
