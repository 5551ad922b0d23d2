from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Deal tracker"

    def ready(self) -> None:
        from . import freshness

        freshness.connect()
        # The dashboards register how they are built again after a change (their refreshers),
        # in every process that may make one: a web worker, a Celery worker, a command.
        from .views import dashboards, pipeline  # noqa: F401
