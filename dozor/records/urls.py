from django.urls import path

from dozor.records import views

app_name = "records"
urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("new/", views.incident_create, name="incident_create"),
    path("<str:reference>/", views.incident_detail, name="incident_detail"),
    path("<str:reference>/edit/", views.incident_edit, name="incident_edit"),
    path("<str:reference>/history/", views.incident_history, name="incident_history"),
]
