"""Loads the real NRW directory shipped in authorities/data (sources: data/README.md).

Idempotent: rows are matched by slug and only written when a value differs, so a second run
changes nothing and reports zero changes.
"""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.db import transaction
from django.utils.text import slugify
from django_scopes import scopes_disabled

from authorities.enums import AuthorityKind, Confidence, PartnerCategory
from authorities.models import Authority, Coverage, PartnerAgency

#: A model whose rows the seed matches by slug.
_Slugged = TypeVar("_Slugged", Authority, PartnerAgency)

DATA_DIR = Path(__file__).resolve().parent / "data"
TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


@dataclass
class SeedResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_slugs: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return self.created + self.updated


def slug_for(text: str) -> str:
    return slugify(text.translate(TRANSLITERATION))


def split_list(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def read_rows(filename: str) -> list[dict[str, str]]:
    with open(DATA_DIR / filename, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _confidence(value: str) -> str:
    return value if value in Confidence.values else Confidence.MEDIUM


def _sync(model: type[_Slugged], slug: str, values: dict[str, Any], result: SeedResult) -> _Slugged:
    obj = model._base_manager.filter(slug=slug).first()
    if obj is None:
        obj = model._base_manager.create(slug=slug, **values)
        result.created += 1
        result.changed_slugs.append(slug)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        result.updated += 1
        result.changed_slugs.append(slug)
    else:
        result.unchanged += 1
    return obj


def _sync_coverage(
    agency: PartnerAgency,
    authorities: dict[str, Authority],
    certain: Iterable[str],
    uncertain: Iterable[str] = (),
    notes: dict[str, str] | None = None,
    result: SeedResult | None = None,
) -> None:
    wanted: dict[str, tuple[bool, str]] = {}
    for slug in uncertain:
        wanted[slug] = (False, (notes or {}).get(slug, "Zuordnung nicht belegt (Datenquelle)"))
    for slug in certain:
        wanted[slug] = (True, (notes or {}).get(slug, ""))
    existing = {
        c.authority.slug: c
        for c in Coverage.objects.filter(agency=agency).select_related("authority")
    }
    for slug, (is_certain, note) in wanted.items():
        if slug not in authorities:
            raise ValueError(f"Unbekannte KPB {slug!r} bei {agency.slug}")
        coverage = existing.get(slug)
        if coverage is None:
            Coverage.objects.create(
                agency=agency, authority=authorities[slug], certain=is_certain, note=note
            )
            if result:
                result.updated += 1
        elif (coverage.certain, coverage.note) != (is_certain, note):
            coverage.certain, coverage.note = is_certain, note
            coverage.save(update_fields=["certain", "note"])
            if result:
                result.updated += 1


AREA_NOTE = re.compile(r"^(?P<unit>[^(]+?)\s*(?:\((?P<note>[^)]*)\))?$")


def municipal_units(authorities: Iterable[Authority]) -> dict[str, dict[str, str]]:
    """Kreise and kreisfreie Städte from each authority's district: unit name → {kpb slug: note}."""
    units: dict[str, dict[str, str]] = {}
    for authority in authorities:
        for part in authority.area_units:
            match = AREA_NOTE.match(part)
            assert match, part
            units.setdefault(match["unit"].strip(), {})[authority.slug] = match["note"] or ""
    return units


def municipal_agency_name(unit: str) -> str:
    is_kreis = "kreis" in unit.lower() or unit.startswith("Städteregion")
    return unit if is_kreis else f"Stadt {unit}"


@transaction.atomic
def seed_nrw() -> SeedResult:
    result = SeedResult()
    with scopes_disabled():
        authorities: dict[str, Authority] = {}
        for row in read_rows("kpb.csv"):
            authorities[row["slug"]] = _sync(
                Authority,
                row["slug"],
                {
                    "official_name": row["official_name"],
                    "short_name": row["short_name"],
                    "kind": AuthorityKind(row["kind"]),
                    "seat": row["seat"],
                    "regierungsbezirk": row["regierungsbezirk"],
                    "has_autobahnpolizei": row["autobahnpolizei"] == "yes",
                    "autobahnpolizei_area": row["autobahnpolizei_bereich"],
                    "district": row["district"],
                    "confidence": _confidence(row["confidence"]),
                    "source_notes": row["notes"],
                },
                result,
            )

        def agency(row: dict[str, str], category: str, **extra: Any) -> PartnerAgency:
            values = {
                "name": row["name"],
                "category": category,
                "seat": row.get("seat", ""),
                "confidence": _confidence(row.get("confidence", "")),
                "source_notes": row.get("notes", ""),
                "active": True,
            }
            values.update(extra)
            return _sync(PartnerAgency, row["slug"], values, result)

        prosecutors_by_kpb: dict[str, set[str]] = {}
        for row in read_rows("kpb.csv"):
            for sta in split_list(row["staatsanwaltschaften"]):
                prosecutors_by_kpb.setdefault(sta, set()).add(row["slug"])
        for row in read_rows("staatsanwaltschaften.csv"):
            obj = agency(
                row,
                PartnerCategory.STAATSANWALTSCHAFT,
                responsibility=f"Landgerichtsbezirk: {row['landgerichtsbezirk']}",
            )
            certain = set(split_list(row["kpb_slugs"])) | prosecutors_by_kpb.get(row["slug"], set())
            _sync_coverage(obj, authorities, sorted(certain), result=result)
        for row in read_rows("landgerichte.csv"):
            obj = agency(
                row,
                PartnerCategory.GERICHT,
                responsibility=(
                    f"Bezirk: {row['bezirk']}. {row['oberlandesgericht']}. "
                    f"Amtsgerichte ({row['anzahl_amtsgerichte']}): {row['amtsgerichte']}"
                ),
            )
            _sync_coverage(obj, authorities, split_list(row["kpb_slugs"]), result=result)
        bezirksregierungen: dict[str, PartnerAgency] = {}
        for row in read_rows("bezirksregierungen.csv"):
            obj = agency(
                row,
                PartnerCategory.BEZIRKSREGIERUNG,
                address=row["address"],
                responsibility=row["rolle_siko"],
            )
            bezirksregierungen[row["slug"]] = obj
            _sync_coverage(obj, authorities, split_list(row["kpb_slugs"]), result=result)
        for filename, category, area_column in (
            ("bundespolizei.csv", PartnerCategory.BUNDESPOLIZEI, "zustaendigkeit"),
            ("zoll.csv", PartnerCategory.ZOLL, "bezirk"),
        ):
            for row in read_rows(filename):
                obj = agency(row, category, responsibility=row[area_column])
                _sync_coverage(
                    obj,
                    authorities,
                    split_list(row["kpb_slugs"]),
                    split_list(row["kpb_slugs_unsicher"]),
                    result=result,
                )
        for row in read_rows("schulaemter.csv"):
            obj = agency(
                row,
                PartnerCategory.SCHULAMT,
                responsibility=f"{row['art']}: {row['gebietskoerperschaft']}",
                routed_via=bezirksregierungen[row["bezirksregierung_slug"]],
            )
            _sync_coverage(obj, authorities, split_list(row["kpb_slugs"]), result=result)
        for unit, notes in sorted(municipal_units(authorities.values()).items()):
            row = {
                "slug": f"kommune-{slug_for(unit)}",
                "name": municipal_agency_name(unit),
                "seat": "",
                "confidence": "high",
                "notes": "Aus dem Polizeibezirk der KPB (kpb.csv, Spalte district)",
            }
            obj = agency(row, PartnerCategory.KOMMUNE, responsibility=unit)
            _sync_coverage(obj, authorities, sorted(notes), notes=notes, result=result)
    return result
