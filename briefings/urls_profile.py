"""The person's own page, under accounts/: who they are, their roles and their digests."""

from django.urls import path

from . import views_profile as views

urlpatterns = [
    path("accounts/profile/", views.profile, name="profile"),
    path(
        "accounts/profile/subscriptions/new/",
        views.subscription_create,
        name="profile-subscription-create",
    ),
    path(
        "accounts/profile/subscriptions/<int:pk>/",
        views.subscription_edit,
        name="profile-subscription-edit",
    ),
    path(
        "accounts/profile/subscriptions/<int:pk>/active/",
        views.subscription_set_active,
        name="profile-subscription-active",
    ),
]
