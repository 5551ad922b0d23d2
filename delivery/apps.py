from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = "Provisions and their delivery"

    def ready(self) -> None:
        from tracker import signals

        from . import receivers

        signals.workstream_merged.connect(receivers.follow_merge, dispatch_uid="delivery-merge")
        signals.demo_loaded.connect(receivers.load_demo, dispatch_uid="delivery-demo")
        signals.demo_deleting.connect(receivers.delete_demo, dispatch_uid="delivery-demo-delete")
