from django.urls import path

from dozor.linkage import views

app_name = "linkage"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("pairs/<int:pk>/", views.pair_review, name="pair"),
    path("clusters/", views.clusters, name="clusters"),
    path("incidents/<str:reference>/split/", views.incident_split, name="split"),
    path("runs/start/", views.run_start, name="run_start"),
    path("jobs/<str:token>/", views.job_status, name="job"),
    path("accept/", views.accept, name="accept"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
]
