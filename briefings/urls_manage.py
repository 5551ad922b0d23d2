from django.urls import path

from . import views_manage as views

urlpatterns = [
    path("subscriptions/", views.subscription_list, name="subscription-list"),
    path("subscriptions/new/", views.subscription_create, name="subscription-create"),
    path("subscriptions/deliveries/", views.delivery_list, name="delivery-list"),
    path(
        "subscriptions/briefing-requests/",
        views.briefing_request_list,
        name="briefing-request-list",
    ),
    path("subscriptions/<int:pk>/edit/", views.subscription_edit, name="subscription-edit"),
    path(
        "subscriptions/<int:pk>/activate/",
        views.subscription_activate,
        name="subscription-activate",
    ),
    path("subscriptions/<int:pk>/erase/", views.subscription_erase, name="subscription-erase"),
    path(
        "subscriptions/<int:pk>/deactivate/",
        views.subscription_deactivate,
        name="subscription-deactivate",
    ),
]
