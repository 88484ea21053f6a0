"""A bare Django "hello world" JSON endpoint, served the same way as Tongxin (gunicorn, 2 workers), to
measure Tongxin's overhead against the framework itself in the same run.

    gunicorn --chdir bench/foundation hello:application
"""

from __future__ import annotations

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, JsonResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-hello-world-not-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    INSTALLED_APPS=[],
    USE_TZ=True,
)
django.setup()


def hello(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"hello": "world"})


urlpatterns = [path("hello", hello)]
application = get_wsgi_application()
