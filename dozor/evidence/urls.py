from django.urls import path

from dozor.evidence import views

app_name = "evidence"
urlpatterns = [
    path("incident/<str:reference>/attach/", views.incident_attach, name="incident_attach"),
    path("<int:attachment_id>/", views.attachment_detail, name="attachment_detail"),
    path("<int:attachment_id>/download/", views.download, name="download"),
    path("<int:attachment_id>/download/clean/", views.download_clean, name="download_clean"),
    path("<int:attachment_id>/custody/", views.custody_record, name="custody"),
]
