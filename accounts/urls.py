from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import EmailAuthenticationForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path(
        "profile/subscriptions/new/",
        views.subscription_create,
        name="profile-subscription-create",
    ),
    path(
        "profile/subscriptions/<int:pk>/",
        views.subscription_edit,
        name="profile-subscription-edit",
    ),
    path(
        "profile/subscriptions/<int:pk>/active/",
        views.subscription_set_active,
        name="profile-subscription-active",
    ),
]
