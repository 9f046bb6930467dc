from django.urls import path

from dozor.press import views

app_name = "press"
urlpatterns = [
    path("", views.draft_list, name="draft_list"),
    path("<int:pk>/", views.draft_detail, name="draft_detail"),
    path("<int:pk>/reject/", views.draft_reject, name="draft_reject"),
]
