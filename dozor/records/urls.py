from django.urls import path

from dozor.records import custom_field_views, report_views, views, vocabulary_views

app_name = "records"
urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("new/", views.incident_create, name="incident_create"),
    path("<str:reference>/", views.incident_detail, name="incident_detail"),
    path("<str:reference>/edit/", views.incident_edit, name="incident_edit"),
    path("<str:reference>/history/", views.incident_history, name="incident_history"),
]

# Included under /reports/ (beside the annual report's pages) as the "reports" namespace.
report_patterns = [
    path("", report_views.report_list, name="report_list"),
    path("<int:pk>/", report_views.report_detail, name="report_detail"),
]

# Included under /fields/ as the "custom_fields" namespace: an administrator's pages.
custom_field_patterns = [
    path("", custom_field_views.custom_field_list, name="custom_field_list"),
    path("new/", custom_field_views.custom_field_new, name="custom_field_new"),
    path("<int:pk>/", custom_field_views.custom_field_edit, name="custom_field_edit"),
    path("<int:pk>/remove/", custom_field_views.custom_field_remove, name="custom_field_remove"),
]

# Included under /sources/ as the "sources" namespace.
source_list_patterns = [
    path("", report_views.source_list_list, name="source_list_list"),
    path("new/", report_views.source_list_new, name="source_list_new"),
    path("<int:pk>/edit/", report_views.source_list_edit, name="source_list_edit"),
]

# Included under /vocabularies/ as the "vocabularies" namespace: an organisation's own terms.
vocabulary_patterns = [
    path("", vocabulary_views.local_term_list, name="local_term_list"),
    path("new/", vocabulary_views.local_term_new, name="local_term_new"),
    path("<int:term_id>/", vocabulary_views.local_term_edit, name="local_term_edit"),
]
