"""Evaluation pages: the dashboard, the report card, assessments, thresholds, official figures."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dozor.accounts.models import Role, User
from dozor.audit.services import report_file_record
from dozor.evaluation import selectors, services
from dozor.evaluation.card import format_value, report_card
from dozor.evaluation.catalogue import catalogue
from dozor.evaluation.forms import (
    AssessmentForm,
    CardForm,
    OfficialStatisticForm,
    ThresholdForm,
)
from dozor.evaluation.indicators import incidents_of_year, thresholds_of
from dozor.evaluation.models import FIRST_YEAR, LAST_YEAR
from dozor.evaluation.rendering import card_html
from dozor.printing import PdfUnavailable, html_to_pdf
from dozor.records.selectors import incidents_latest_year
from dozor.vocab.geography import country_exists

DASHBOARD_YEARS = 8


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def country_year_checked(country: str, year: int) -> str:
    """The country of a card's address in upper case, or 404 (the JSON API's card too)."""
    country = country.upper()
    if not country_exists(country) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    return country


def _language(request: HttpRequest) -> str:
    lang = request.GET.get("lang") or get_language() or "en"
    return lang[:2] if lang[:2] in ("en", "ru") else "en"


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Official figures beside the monitors' own counts, year by year, with links to each card."""
    user = _user(request)
    country = "RU"
    this_year = timezone.localdate().year
    # The years shown end at the latest with an incident the user may see (last year when there
    # is none): a dashboard of the calendar's last years can be all zeros.
    latest = incidents_latest_year(user, country=country, up_to=this_year) or this_year - 1
    form = CardForm(request.GET or None, initial={"country": country, "year": latest})
    if form.is_valid():
        year = form.cleaned_data["year"]
        return redirect("evaluation:card", country=form.cleaned_data["country"], year=year)
    official = {row.year: row for row in selectors.official_statistics(user, country=country)}
    shown_years = range(latest - DASHBOARD_YEARS + 1, latest + 1)
    years = sorted(set(official) | set(shown_years), reverse=True)
    rows = [
        {
            "year": year,
            "documented": incidents_of_year(user, country=country, year=year).count(),
            "official": official.get(year),
        }
        for year in years
    ]
    return render(
        request,
        "evaluation/dashboard.html",
        {"form": form, "rows": rows, "country": country, "catalogue": catalogue()},
    )


@login_required
def card(request: HttpRequest, country: str, year: int) -> HttpResponse:
    user = _user(request)
    country = country_year_checked(country, year)
    language = get_language() or "en"
    result = report_card(user=user, country=country, year=year, language=language[:2])
    return render(
        request,
        "evaluation/card.html",
        {"card": result, "can_write": selectors.evaluation_can_write(user)},
    )


@login_required
def card_pdf(request: HttpRequest, country: str, year: int) -> HttpResponse:
    user = _user(request)
    country = country_year_checked(country, year)
    html = card_html(user=user, country=country, year=year, language=_language(request))
    try:
        pdf = html_to_pdf(html)
    except PdfUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    report_file_record(
        user=user,
        kind="card",
        country=country,
        year=year,
        file_format="pdf",
        language=_language(request),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="report-card-{country}-{year}.pdf"'
    return response


@login_required
def assess(request: HttpRequest, country: str, year: int, indicator: str) -> HttpResponse:
    user = _user(request)
    country = country_year_checked(country, year)
    entry = catalogue().indicators.get(indicator)
    if entry is None or entry.computed:
        raise Http404
    if not selectors.evaluation_can_write(user):
        raise PermissionDenied
    existing = selectors.assessments_of(user, country=country, year=year).get(indicator)
    initial = {}
    if existing is not None:
        initial = {
            "score": "" if existing.score is None else str(existing.score),
            "justification": existing.justification,
            "links": existing.links,
            "documents": existing.documents,
            "incidents": " ".join(i.reference for i in existing.incidents.all()),
        }
    form = AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_save(
                user=user,
                country=country,
                year=year,
                indicator=indicator,
                score=form.cleaned_score(),
                justification=form.cleaned_data["justification"],
                links=form.cleaned_data["links"],
                documents=form.cleaned_data["documents"],
                incident_references=form.cleaned_references(),
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The assessment is saved."))
            return redirect("evaluation:card", country=country, year=year)
    language = (get_language() or "en")[:2]
    return render(
        request,
        "evaluation/assess.html",
        {
            "form": form,
            "indicator": entry,
            "indicator_label": entry.label(language),
            "country": country,
            "year": year,
        },
    )


@login_required
def thresholds(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    language = (get_language() or "en")[:2]
    current = thresholds_of(user)
    if request.method == "POST":
        if not selectors.evaluation_can_write(user):
            raise PermissionDenied
        code = request.POST.get("indicator", "")
        form = ThresholdForm(request.POST)
        if form.is_valid():
            try:
                services.threshold_set(
                    user=user,
                    indicator=code,
                    partial=form.cleaned_data["partial"],
                    met=form.cleaned_data["met"],
                )
            except ValidationError as error:
                for text in error.messages:
                    messages.error(request, text)
            else:
                messages.success(request, _("The thresholds are saved."))
                return redirect("evaluation:thresholds")
        else:
            messages.error(request, _("Give both thresholds as numbers."))
    rows = [
        {
            "indicator": indicator,
            "label": indicator.label(language),
            "thresholds": current[code],
            "partial": format_value(current[code].partial, indicator.unit),
            "met": format_value(current[code].met, indicator.unit),
            "default": indicator.thresholds,
        }
        for code, indicator in catalogue().indicators.items()
        if indicator.computed
    ]
    return render(
        request,
        "evaluation/thresholds.html",
        {"rows": rows, "can_write": selectors.evaluation_can_write(user)},
    )


@login_required
def official_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = OfficialStatisticForm(request.POST or None, initial={"country": "RU"})
    if request.method == "POST":
        if not selectors.official_statistics_can_write(user):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.official_statistic_save(
                    user=user,
                    item=services.StatisticInput(
                        country=data["country"],
                        year=data["year"],
                        recorded=data["recorded"],
                        prosecuted=data["prosecuted"],
                        sentenced=data["sentenced"],
                        source=data["source"],
                        source_url=data["source_url"],
                        note=data["note"],
                    ),
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The official figures are saved."))
                return redirect("evaluation:official_list")
    return render(
        request,
        "evaluation/official_list.html",
        {
            "rows": selectors.official_statistics(user),
            "form": form,
            "can_write": selectors.official_statistics_can_write(user),
        },
    )


def _revision_author(viewer: User, author: User | None) -> str:
    """Who made a revision, as far as the viewer may know: the user name within their own
    organisation (and for administrators, who answer for the figures), otherwise only the
    organisation, so a page shared by everyone does not list other organisations' staff."""
    if author is None:
        return "—"
    organisation = author.organisation.name if author.organisation else ""
    if viewer.organisation_id == author.organisation_id or viewer.role == Role.ADMINISTRATOR:
        return f"{author.get_username()} ({organisation})" if organisation else author.username
    return organisation or "—"


@login_required
def official_history(request: HttpRequest, country: str, year: int) -> HttpResponse:
    """Every revision of a state's figures for a year, so a card printed earlier can be checked."""
    user = _user(request)
    country = country_year_checked(country, year)
    revisions = list(selectors.official_statistic_revisions(user, country=country, year=year))
    if not revisions:
        raise Http404
    rows = [
        {"revision": revision, "author": _revision_author(user, revision.created_by)}
        for revision in reversed(revisions)
    ]
    return render(
        request,
        "evaluation/official_history.html",
        {"country": country, "year": year, "rows": rows, "current": revisions[-1].number},
    )
