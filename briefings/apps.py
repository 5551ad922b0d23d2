from django.apps import AppConfig


class BriefingsConfig(AppConfig):
    name = "briefings"
    verbose_name = "Briefings and reminders"

    def ready(self) -> None:
        from tracker import signals

        from . import receivers

        signals.workstream_merged.connect(receivers.follow_merge, dispatch_uid="briefings-merge")
        signals.demo_loaded.connect(receivers.load_demo, dispatch_uid="briefings-demo")
