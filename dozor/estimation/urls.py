from django.urls import path

from dozor.estimation import views

app_name = "estimation"
urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("<int:run_id>/", views.run_detail, name="run_detail"),
    path("<int:run_id>/cancel/", views.run_cancel, name="run_cancel"),
    path("<int:run_id>/results.csv", views.run_csv, name="run_csv"),
]
