from django.urls import path

from dozor.audit import views

app_name = "audit"
urlpatterns = [
    path("refusals/", views.refusals, name="refusals"),
]
