from django.urls import path

from .views import (
    actions,
    dashboards,
    exports,
    governance,
    links,
    missions,
    pages,
    pipeline,
    proposals,
    records,
    updates,
)

urlpatterns = [
    path("", pages.home, name="home"),
    path("workstreams/<slug:slug>/", pages.workstream_detail, name="workstream-detail"),
    *updates.urlpatterns,
    *records.urlpatterns,
    *proposals.urlpatterns,
    *governance.urlpatterns,
    *actions.urlpatterns,
    *links.urlpatterns,
    *dashboards.urlpatterns,
    *pipeline.urlpatterns,
    *exports.urlpatterns,
    path("missions/", missions.mission_list, name="mission-list"),
    *missions.urlpatterns,
]
