from . import views_figures

urlpatterns: list = [
    *views_figures.urlpatterns,
]
