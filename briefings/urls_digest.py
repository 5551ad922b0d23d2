from django.urls import path

from . import views_digest

urlpatterns = [
    path("briefings/view/<str:token>/", views_digest.digest_view, name="digest-view"),
    path(
        "briefings/view/<str:token>/email/",
        views_digest.digest_view_email,
        name="digest-view-email",
    ),
    path(
        "briefings/unsubscribe/<str:token>/",
        views_digest.digest_unsubscribe,
        name="digest-unsubscribe",
    ),
    path(
        "subscriptions/<int:pk>/preview/",
        views_digest.subscription_preview,
        name="subscription-preview",
    ),
    path(
        "subscriptions/<int:pk>/preview/email/",
        views_digest.subscription_preview_email,
        name="subscription-preview-email",
    ),
]
