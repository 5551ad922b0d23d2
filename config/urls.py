from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from briefings import api as briefings_api
from delivery import api as delivery_api
from missions import api as missions_api
from papers import api as papers_api
from tracker.api import asks as asks_api
from tracker.api import deals as deals_api
from tracker.api import governance as governance_api
from tracker.api import proposals as proposals_api
from tracker.api import records as records_api
from tracker.api import updates as updates_api
from tracker.api import workstreams as workstreams_api

from .health import health
from .public_pages import accessibility_statement, privacy_notice

router = DefaultRouter()
router.register("deals", deals_api.DealViewSet, basename="deal")
router.register("themes", deals_api.ThemeViewSet, basename="theme")
router.register("workstreams", workstreams_api.WorkstreamViewSet, basename="workstream")
router.register("bodies", deals_api.GovernanceBodyViewSet, basename="body")
router.register("status-updates", updates_api.StatusUpdateViewSet, basename="status-update")
router.register("risks", records_api.RiskViewSet, basename="risk")
router.register("engagement-plans", records_api.EngagementEntryViewSet, basename="engagement-entry")
router.register("proposals", proposals_api.ProposalViewSet, basename="proposal")
router.register("decisions", proposals_api.DecisionViewSet, basename="decision")
router.register("negotiations", proposals_api.NegotiationEntryViewSet, basename="negotiation")
router.register("meetings", governance_api.MeetingViewSet, basename="meeting")
router.register("milestones", governance_api.MilestoneViewSet, basename="milestone")
router.register("propositions", governance_api.PropositionVersionViewSet, basename="proposition")
router.register("ask-responses", asks_api.AskResponseViewSet, basename="ask-response")
router.register("actions", asks_api.ActionViewSet, basename="action")
router.register("missions", missions_api.MissionViewSet, basename="mission")
router.register("indicators", missions_api.IndicatorViewSet, basename="indicator")
router.register("areas", missions_api.AreaViewSet, basename="area")
router.register("observations", missions_api.ObservationViewSet, basename="observation")
router.register("targets", missions_api.TargetViewSet, basename="target")
router.register("provisions", delivery_api.ProvisionViewSet, basename="provision")
router.register(
    "provision-reports", delivery_api.ProvisionReportViewSet, basename="provision-report"
)
router.register("papers", papers_api.PaperViewSet, basename="paper")
router.register("subscriptions", briefings_api.SubscriptionViewSet, basename="subscription")
router.register("deliveries", briefings_api.DeliveryViewSet, basename="delivery")

# The admin's header and tab titles name the product, not Django.
admin.site.site_header = "Devolution deal tracker administration"
admin.site.site_title = "Devolution deal tracker admin"

urlpatterns = [
    path("", include("tracker.urls")),
    path("", include("missions.urls")),
    path("", include("papers.urls")),
    path("", include("delivery.urls")),
    path("", include("briefings.urls")),
    path("accounts/", include("accounts.urls")),
    path("health/", health, name="health"),
    path("accessibility/", accessibility_statement, name="accessibility-statement"),
    path("privacy/", privacy_notice, name="privacy-notice"),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from its own address: the Content
    # Security Policy refuses inline scripts.
    path(
        "api/v1/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="pages/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("api/v1/", include((router.urls, "api"), namespace="api")),
]
