"""Demo data for the annual report: a generated draft of this year's report, its outline agreed
with the ministry, waiting for the LKA's agreement (only for `seed_demo`, i.e. demo
installations)."""

from django.utils import timezone
from django_scopes import scopes_disabled

from authorities.models import User
from reports.annual import outline_agreement
from reports.annual import workflow as report_workflow
from reports.models import AnnualReport
from siko.organisations import OrganisationKind


def seed_demo_report() -> AnnualReport | None:
    """Idempotent: a year that already has a report is left as it is."""
    year = timezone.localdate().year
    with scopes_disabled():
        if AnnualReport.objects.filter(year=year).exists():
            return None
        lzpd = User.objects.filter(organisation_kind=OrganisationKind.LZPD).order_by("pk").first()
        if lzpd is None:
            return None
        report = report_workflow.start_report(year=year, by=lzpd)
        ministry = User.objects.filter(organisation_kind=OrganisationKind.IM).order_by("pk").first()
        if ministry is not None:
            proposal, _created = outline_agreement.propose_outline(
                year=year, outline=report.outline, by=lzpd
            )
            outline_agreement.decide_outline(proposal, by=ministry, agree=True)
            report_workflow.request_generation(report, by=lzpd)
    report.refresh_from_db()
    return report
