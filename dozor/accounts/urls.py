from django.urls import path

from dozor.accounts import views

app_name = "accounts"
urlpatterns = [
    path("two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("administration/", views.administration, name="administration"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_new, name="organisation_new"),
    path(
        "organisations/<int:organisation_id>/",
        views.organisation_edit,
        name="organisation_edit",
    ),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_new, name="user_new"),
    path("users/<str:username>/", views.user_edit, name="user_edit"),
    path(
        "users/<str:username>/two-factor/remove/",
        views.user_two_factor_remove,
        name="user_two_factor_remove",
    ),
    path(
        "users/<str:username>/tokens/<int:token_id>/revoke/",
        views.user_api_token_revoke,
        name="user_api_token_revoke",
    ),
]

# The refusal log keeps its address and name under /audit/ (namespace "audit", dozor/urls.py).
refusal_patterns = [
    path("refusals/", views.refusals, name="refusals"),
]
