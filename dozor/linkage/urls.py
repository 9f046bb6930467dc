from django.urls import path

from dozor.linkage import views

app_name = "linkage"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("pairs/<int:pk>/", views.pair_review, name="pair"),
    path("clusters/", views.clusters, name="clusters"),
    path("incidents/<str:reference>/split/", views.incident_split, name="split"),
]
