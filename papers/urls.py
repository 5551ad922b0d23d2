"""Every page of the papers app is under PAPER_UPLOAD_PATH (/papers/), the only paths whose
requests may carry a paper's larger files (config/uploads.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("papers/meetings/<int:pk>/new/", views.meeting_paper_upload, name="meeting-paper-upload"),
    path(
        "papers/proposals/<int:pk>/new/", views.proposal_paper_upload, name="proposal-paper-upload"
    ),
    path("papers/<int:pk>/download/", views.paper_download, name="paper-download"),
    path("papers/<int:pk>/remove/", views.paper_remove, name="paper-remove"),
]
