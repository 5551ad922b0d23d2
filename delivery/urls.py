from .views import dashboard, manage, public, reports

urlpatterns = [
    *reports.urlpatterns,
    *manage.urlpatterns,
    *dashboard.urlpatterns,
    *public.urlpatterns,
]
