from django.urls import path

from dozor.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("thresholds/", views.thresholds, name="thresholds"),
    path("official/", views.official_list, name="official_list"),
    path("official/<str:country>/<int:year>/", views.official_history, name="official_history"),
    path("<str:country>/<int:year>/", views.card, name="card"),
    path("<str:country>/<int:year>/card.pdf", views.card_pdf, name="card_pdf"),
    path("<str:country>/<int:year>/<str:indicator>/", views.assess, name="assess"),
]
