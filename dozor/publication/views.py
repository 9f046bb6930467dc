from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from dozor.publication import selectors


def public_figures(request: HttpRequest) -> HttpResponse:
    """The published aggregates for anyone, when DOZOR_PUBLIC_PAGE is on."""
    if not settings.DOZOR_PUBLIC_PAGE:
        raise Http404(_("There is no public page on this site."))
    tables = [table.as_dict() for table in selectors.aggregate_tables()]
    for table in tables:
        table["lines"] = list(zip(table["rows"], table["incidents"], strict=True))
    return render(request, "publication/public.html", {"tables": tables})
