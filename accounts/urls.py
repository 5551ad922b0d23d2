from django.contrib.auth import views as auth_views
from django.urls import path

from . import views_security
from .forms import EmailAuthenticationForm
from .middleware import second_factor_exempt

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", second_factor_exempt(auth_views.LogoutView.as_view()), name="logout"),
    path("two-factor/", views_security.two_factor_verify, name="two-factor-verify"),
    path("two-factor/setup/", views_security.two_factor_setup, name="two-factor-setup"),
    path("sessions/", views_security.sessions, name="sessions"),
    path("sessions/<int:pk>/end/", views_security.session_end, name="session-end"),
    path("sessions/end-others/", views_security.sessions_end_others, name="sessions-end-others"),
]
