from django.urls import path

from dozor.responses import views

app_name = "responses"
urlpatterns = [
    path("incident/<str:reference>/", views.timeline, name="timeline"),
    path(
        "incident/<str:reference>/event/<int:event_id>/correct/",
        views.event_correct,
        name="event_correct",
    ),
    path("incident/<str:reference>/raise/", views.raise_add, name="raise_add"),
    path("incident/<str:reference>/raisings/new/", views.raising_new, name="raising_new"),
    path("raisings/<int:raising_id>/", views.raising_edit, name="raising_edit"),
    path("raise-list/", views.raise_list, name="raise_list"),
    path("raise-list/<int:entry_id>/remove/", views.raise_remove, name="raise_remove"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("bodies/", views.bodies, name="bodies"),
    path("bodies/<int:body_id>/", views.body_detail, name="body_detail"),
    path("bodies/<int:body_id>/edit/", views.body_edit, name="body_edit"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics.csv", views.statistics_csv, name="statistics_csv"),
    path("dossier/", views.dossier, name="dossier"),
]
