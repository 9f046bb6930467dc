from django.urls import path

from dozor.reporting import views

app_name = "reporting"
urlpatterns = [
    path("annual/", views.annual, name="annual"),
    path("annual/<str:country>/<int:year>/report.pdf", views.annual_pdf, name="annual_pdf"),
    path("annual/<str:country>/<int:year>/<str:key>.<str:fmt>", views.annual_chart, name="chart"),
]
