from django.urls import path

from dozor.exports import views

app_name = "exports"
urlpatterns = [
    path("odihr/", views.odihr_page, name="odihr"),
    path("odihr/download/<str:file_format>/", views.odihr_download, name="odihr_download"),
    path("odihr/mark/", views.odihr_mark_bulk, name="odihr_mark_bulk"),
    path("odihr/mark/<str:reference>/", views.odihr_mark, name="odihr_mark"),
    path(
        "incidents/<str:file_format>/",
        views.incident_list_download,
        name="incident_list_download",
    ),
]
