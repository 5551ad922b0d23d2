from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from missions import api as missions_api
from missions import views as missions_views
from tracker import api as tracker_api

from .health import health

router = DefaultRouter()
router.register("deals", tracker_api.DealViewSet, basename="deal")
router.register("themes", tracker_api.ThemeViewSet, basename="theme")
router.register("workstreams", tracker_api.WorkstreamViewSet, basename="workstream")
router.register("bodies", tracker_api.GovernanceBodyViewSet, basename="body")
router.register("missions", missions_api.MissionViewSet, basename="mission")
router.register("indicators", missions_api.IndicatorViewSet, basename="indicator")
router.register("areas", missions_api.AreaViewSet, basename="area")

urlpatterns = [
    path("", include("tracker.urls")),
    path("missions/", missions_views.mission_list, name="mission-list"),
    path("accounts/", include("accounts.urls")),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include((router.urls, "api"), namespace="api")),
]
