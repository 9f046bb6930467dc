from django.urls import path

from dozor.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("new/", views.import_new, name="import_new"),
    path("pending/<str:token>/", views.import_preview, name="import_preview"),
    path("pending/<str:token>/confirm/", views.import_confirm, name="import_confirm"),
    path("jobs/<str:token>/", views.import_job, name="import_job"),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/remap/", views.remap_preview, name="remap"),
    path("<int:pk>/remap/confirm/", views.remap_confirm, name="remap_confirm"),
    path("mappings/", views.mapping_list, name="mapping_list"),
    path("mappings/new/", views.mapping_new, name="mapping_new"),
    path("mappings/<int:pk>/", views.mapping_detail, name="mapping_detail"),
    path("quarantine/", views.quarantine_list, name="quarantine_list"),
    path("quarantine.csv", views.quarantine_export, name="quarantine_export"),
    path("quarantine/<int:pk>/", views.quarantine_correct, name="quarantine_correct"),
]
