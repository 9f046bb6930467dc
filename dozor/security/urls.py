from django.urls import path

from dozor.security import views

app_name = "security"
urlpatterns = [
    path("two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("users/", views.user_list, name="user_list"),
    path("users/<str:username>/", views.user_edit, name="user_edit"),
    path(
        "users/<str:username>/two-factor/remove/",
        views.user_two_factor_remove,
        name="user_two_factor_remove",
    ),
]
