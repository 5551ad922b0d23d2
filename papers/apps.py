from django.apps import AppConfig


class PapersConfig(AppConfig):
    name = "papers"
    verbose_name = "Papers of meetings and proposals"

    def ready(self) -> None:
        from tracker import exports, signals

        from . import receivers

        signals.meeting_sections.connect(receivers.meeting_section, dispatch_uid="papers-meeting")
        signals.proposal_sections.connect(
            receivers.proposal_section, dispatch_uid="papers-proposal"
        )
        exports.register_pack_section(receivers.pack_section)
