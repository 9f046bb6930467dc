"""Report pages: the annual report as a page, as PDF, and each chart as PNG, SVG or CSV."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from dozor.accounts.models import User
from dozor.audit.services import report_file_record
from dozor.printing import PdfUnavailable, html_to_pdf
from dozor.records.selectors import incidents_latest_year
from dozor.reporting.annual import annual_html, annual_report
from dozor.reporting.charts import bar_png, map_svg, table_csv
from dozor.reporting.forms import AnnualForm
from dozor.reporting.home import attention_items, recent_activity, year_counts
from dozor.vocab.geography import country_exists

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "csv": "text/csv; charset=utf-8"}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _language(request: HttpRequest) -> str:
    lang = (request.GET.get("lang") or get_language() or "en")[:2]
    return lang if lang in ("en", "ru") else "en"


def country_year_checked(country: str, year: int) -> str:
    """The country of a report's address in upper case, or 404 (the JSON API's report too)."""
    country = country.upper()
    if not country_exists(country) or not 1990 <= year <= 2100:
        raise Http404
    return country


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Where a signed-in user lands: what waits for them, the year so far, recent activity."""
    user = _user(request)
    today = timezone.localdate()
    return render(
        request,
        "reporting/home.html",
        {
            "items": attention_items(user, today=today),
            "counts": year_counts(user, today=today),
            "activity": recent_activity(user, language=_language(request)),
        },
    )


def annual_opening(user: User) -> tuple[str, int]:
    """The country and year the annual report opens on: the user's organisation's country (or
    Russia), and the latest year with an incident the user may see there, up to this year;
    last year when there is none."""
    organisation = user.organisation
    country = organisation.country if organisation is not None else "RU"
    this_year = timezone.localdate().year
    latest = incidents_latest_year(user, country=country, up_to=this_year)
    return country, latest if latest is not None else this_year - 1


@login_required
def annual(request: HttpRequest) -> HttpResponse:
    country, year = annual_opening(_user(request))
    form = AnnualForm(request.GET or None, initial={"country": country, "year": year})
    public = False
    if form.is_valid():
        country, year = form.cleaned_data["country"], form.cleaned_data["year"]
        public = form.cleaned_data["public"]
    report = annual_report(
        user=_user(request), country=country, year=year, language=_language(request), public=public
    )
    query = "public=on" if public else ""
    return render(
        request, "reporting/annual.html", {"form": form, "report": report, "query": query}
    )


@login_required
def annual_pdf(request: HttpRequest, country: str, year: int) -> HttpResponse:
    country = country_year_checked(country, year)
    html = annual_html(
        user=_user(request),
        country=country,
        year=year,
        language=_language(request),
        public=bool(request.GET.get("public")),
    )
    try:
        pdf = html_to_pdf(html)
    except PdfUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    report_file_record(
        user=_user(request),
        kind="annual",
        country=country,
        year=year,
        file_format="pdf",
        language=_language(request),
        public=bool(request.GET.get("public")),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="annual-{country}-{year}.pdf"'
    return response


@login_required
def annual_chart(request: HttpRequest, country: str, year: int, key: str, fmt: str) -> HttpResponse:
    country = country_year_checked(country, year)
    if fmt not in FORMATS:
        raise Http404
    report = annual_report(
        user=_user(request),
        country=country,
        year=year,
        language=_language(request),
        public=bool(request.GET.get("public")),
    )
    chart_key = "region" if key == "map" else key
    table = report.tables.get(chart_key)
    if table is None or (key == "map" and country != "RU"):
        raise Http404
    if fmt == "csv":
        body: bytes | str = table_csv(table)
    elif fmt == "svg":
        body = str(map_svg(table) if key == "map" else report.svgs[key])
    else:
        if key == "map":
            raise Http404
        body = bar_png(table)
    report_file_record(
        user=_user(request),
        kind=f"annual:{key}",
        country=country,
        year=year,
        file_format=fmt,
        language=_language(request),
        public=bool(request.GET.get("public")),
    )
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{country}-{year}-{key}.{fmt}"'
    return response
