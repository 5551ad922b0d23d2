from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from core import text

        # Text with a control character is refused wherever it is typed (core/text.py).
        text.use_everywhere()
        from django.db.models.signals import post_delete, post_save

        from core.models import Membership

        from . import signals
        from .models import User

        user_logged_in.connect(signals.on_signed_in, dispatch_uid="accounts-session-in")
        user_logged_out.connect(signals.on_signed_out, dispatch_uid="accounts-session-out")
        post_save.connect(signals.on_user_saved, sender=User, dispatch_uid="accounts-disabled")
        for signal in (post_save, post_delete):
            signal.connect(
                signals.on_membership_changed, sender=Membership, dispatch_uid="accounts-staff"
            )
