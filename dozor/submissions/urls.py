from django.urls import path

from dozor.submissions import views

app_name = "submissions"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.submission_detail, name="submission_detail"),
    path("<int:pk>/accept/", views.submission_accept, name="submission_accept"),
    path("<int:pk>/ask-more/", views.submission_ask_more, name="submission_ask_more"),
    path("<int:pk>/close/", views.submission_close, name="submission_close"),
    path("<int:pk>/refer/", views.referral_add, name="referral_add"),
    path("files/<int:pk>/", views.submission_file, name="submission_file"),
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/<int:pk>/", views.referral_update, name="referral_update"),
]

# The public form, without an account: mounted at /report/ by dozor.urls.
public_patterns = [
    path("", views.report_form, name="report_form"),
    path("challenge/<str:token>/", views.challenge_image, name="challenge_image"),
]
