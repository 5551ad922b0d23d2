from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = "Provisions and their delivery"

    def ready(self) -> None:
        from tracker import exports, freshness, signals

        from . import exports as delivery_exports
        from . import receivers
        from .views import manage, reports

        signals.workstream_merged.connect(receivers.follow_merge, dispatch_uid="delivery-merge")
        signals.demo_loaded.connect(receivers.load_demo, dispatch_uid="delivery-demo")
        signals.demo_deleting.connect(receivers.delete_demo, dispatch_uid="delivery-demo-delete")
        signals.update_visit_steps.connect(reports.visit_step, dispatch_uid="delivery-visit")
        signals.workstream_sections.connect(
            reports.workstream_section, dispatch_uid="delivery-section"
        )
        signals.proposal_sections.connect(
            manage.proposal_section, dispatch_uid="delivery-proposal-section"
        )

        # The public progress page is cached by data version: what it shows moves the version.
        freshness.watch(
            "delivery.Provision",
            "delivery.ProvisionReport",
            "tracker.GovernmentDepartment",
            "core.Organisation",
        )

        # Tracker's exports and briefing pack carry delivery's figures without importing them.
        exports.register_export(delivery_exports.PROVISIONS_EXPORT)
        exports.register_pack_section(delivery_exports.pack_section)
