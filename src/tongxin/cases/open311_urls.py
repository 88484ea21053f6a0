"""URLs of Open311 GeoReport v2, included by ``tongxin.urls`` at ``open311/v2/``."""

from django.urls import path

from tongxin.cases import open311

app_name = "open311"

urlpatterns = [
    path("discovery.<str:fmt>", open311.discovery, name="discovery"),
    path("services.<str:fmt>", open311.service_list, name="services"),
    path("services/<str:code>.<str:fmt>", open311.service_definition, name="service"),
    path("requests.<str:fmt>", open311.requests_view, name="requests"),
    path("requests/<str:pk>.<str:fmt>", open311.request_detail, name="request"),
]
