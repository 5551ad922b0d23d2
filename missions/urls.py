from django.urls import path

from . import views, views_figures

urlpatterns = [
    path("missions/", views.mission_list, name="mission-list"),
    *views.urlpatterns,
    *views_figures.urlpatterns,
]
