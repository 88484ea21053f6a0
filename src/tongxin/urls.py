from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.defaults import page_not_found

from tongxin.api import api


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A URL that matches nothing: the API's error shape under /api/, the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "not_found", "message": "未找到该记录，或您无权查看。", "field": None}, status=404
        )
    return page_not_found(request, exception)


handler404 = not_found


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
