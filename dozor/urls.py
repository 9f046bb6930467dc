from django.contrib.auth import views as auth_views
from django.urls import include, path

from dozor.accounts.urls import refusal_patterns
from dozor.api.v1 import api as api_v1
from dozor.records.urls import (
    custom_field_patterns,
    report_patterns,
    source_list_patterns,
    vocabulary_patterns,
)
from dozor.reporting import views as reporting_views
from dozor.submissions.urls import public_patterns as report_form_patterns

urlpatterns = [
    path("", reporting_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("incidents/", include("dozor.records.urls")),
    path("estimates/", include("dozor.estimation.urls")),
    path("press/", include("dozor.press.urls")),
    path("responses/", include("dozor.responses.urls")),
    path("accounts/", include("dozor.accounts.urls")),
    path("public/", include("dozor.publication.urls")),
    path("imports/", include("dozor.intake.urls")),
    path("evaluation/", include("dozor.evaluation.urls")),
    path("reports/", include((report_patterns, "reports"))),
    path("reports/", include("dozor.reporting.urls")),
    path("sources/", include((source_list_patterns, "sources"))),
    path("vocabularies/", include((vocabulary_patterns, "vocabularies"))),
    path("fields/", include((custom_field_patterns, "custom_fields"))),
    path("linkage/", include("dozor.linkage.urls")),
    path("exports/", include("dozor.exports.urls")),
    path("evidence/", include("dozor.evidence.urls")),
    path("tella/", include("dozor.tella.urls")),
    path("report/", include((report_form_patterns, "report"))),
    path("submissions/", include("dozor.submissions.urls")),
    path("audit/", include((refusal_patterns, "audit"))),
    path("api/v1/", api_v1.urls),
]
