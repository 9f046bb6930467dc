from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    name = "dozor.responses"
    label = "responses"
    verbose_name = "Official responses and advocacy"

    def ready(self) -> None:
        # Registers the median aggregate on each new SQLite connection; imported in ready()
        # because funnel.py imports models, which Django loads only after the app configs.
        from dozor.responses import funnel  # noqa: F401 - imported for its connection hook
