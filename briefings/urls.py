from django.urls import include, path

urlpatterns = [
    path("", include("briefings.urls_digest")),
    path("", include("briefings.urls_partner")),
    path("", include("briefings.urls_manage")),
    path("", include("briefings.urls_profile")),
]
