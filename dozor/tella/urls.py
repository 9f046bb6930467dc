"""The Tella Web routes, under /tella/: the server address a user gives Tella is
``https://<this server>/tella/p/dozor`` (Tella calls ``login/`` and the rest beside ``p/``)."""

from django.urls import path, re_path

from dozor.tella import views

app_name = "tella"
urlpatterns = [
    # For people in a browser: what to type into Tella, and signing phones out.
    path("", views.connect, name="connect"),
    path("phones/sign-out/", views.sign_ins_end, name="sign_ins_end"),
    # For the Tella app.
    re_path(r"^login/?$", views.sign_in, name="sign_in"),
    path("p/<str:slug>", views.project, name="project"),
    path("project/<str:project_id>", views.report_create, name="report_create"),
    path("file/v2/<uuid:report_id>/<str:file_name>", views.file_v2, name="file_v2"),
    path("file/<uuid:report_id>/<str:file_name>", views.file, name="file"),
]
