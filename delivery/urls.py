from .views import dashboard, public, reports

urlpatterns = [*reports.urlpatterns, *dashboard.urlpatterns, *public.urlpatterns]
