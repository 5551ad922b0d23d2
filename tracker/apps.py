from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Deal tracker"

    def ready(self) -> None:
        from . import freshness

        freshness.connect()
