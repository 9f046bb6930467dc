from django.urls import path

from dozor.estimation import views

app_name = "estimation"
urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("<int:run_id>/", views.run_detail, name="run_detail"),
    path("<int:run_id>/cancel/", views.run_cancel, name="run_cancel"),
    path("<int:run_id>/results.csv", views.run_csv, name="run_csv"),
    path("<int:run_id>/publish/", views.run_publish, name="run_publish"),
    path("published/", views.published_list, name="published_list"),
    path("published/<int:series_id>/", views.published_history, name="published_history"),
]
