from django.urls import path

from . import views_partner

urlpatterns = [
    path("briefings/partner/<str:token>/", views_partner.partner_page, name="partner-page"),
    path(
        "briefings/partner/<str:token>/briefing-session/",
        views_partner.partner_briefing_session,
        name="partner-briefing-session",
    ),
]
