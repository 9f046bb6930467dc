from django.urls import path

from dozor.evidence import views

app_name = "evidence"
urlpatterns = [
    path("incident/<str:reference>/attach/", views.incident_attach, name="incident_attach"),
    path("<int:attachment_id>/download/", views.download, name="download"),
]
