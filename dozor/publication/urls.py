from django.urls import path

from dozor.publication import views

app_name = "publication"
urlpatterns = [path("", views.public_figures, name="public")]
