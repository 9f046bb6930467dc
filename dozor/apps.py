from django.apps import AppConfig


class DozorConfig(AppConfig):
    name = "dozor"
    verbose_name = "Dozor"
