from django.urls import path

from dozor.evidence import views

app_name = "evidence"
urlpatterns = [
    # One upload view for every kind of record; the URL names which kind (views.TARGET_LOADERS).
    path(
        "incident/<str:reference>/attach/",
        views.attach,
        {"kind": "incident"},
        name="incident_attach",
    ),
    path("report/<int:report_id>/attach/", views.attach, {"kind": "report"}, name="report_attach"),
    path(
        "event/<int:event_id>/attach/",
        views.attach,
        {"kind": "response_event"},
        name="event_attach",
    ),
    path(
        "raising/<int:raising_id>/attach/",
        views.attach,
        {"kind": "raising"},
        name="raising_attach",
    ),
    path("<int:attachment_id>/download/", views.download, name="download"),
    path("<int:attachment_id>/preview/", views.preview, name="preview"),
    path("<int:attachment_id>/", views.attachment_detail, name="attachment_detail"),
    path("<int:attachment_id>/download/clean/", views.download_clean, name="download_clean"),
    path("<int:attachment_id>/custody/", views.custody_record, name="custody"),
    path("<int:attachment_id>/copy/", views.attach_copy, name="attach_copy"),
]
