from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path

from tongxin.api import api


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", include("tongxin.dashboard.urls")),
    path("accounts/", include("tongxin.accounts.urls")),
    path("registry/", include("tongxin.orgs.urls")),
    path("points/", include("tongxin.points.urls")),
    path("cases/", include("tongxin.cases.urls")),
    path("open311/v2/", include("tongxin.cases.open311_urls")),
    path("stars/", include("tongxin.stars.urls")),
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
]
