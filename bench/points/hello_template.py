"""A minimal Django page rendered from a template, served like Tongxin (gunicorn, 2 workers): the
yardstick for the public board page's throughput.

    gunicorn --chdir bench/points hello_template:application
"""

from __future__ import annotations

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.template import Context, Template
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-hello-template-not-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    INSTALLED_APPS=[],
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
    USE_TZ=True,
)
django.setup()

PAGE = Template(
    "<!doctype html><html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1></body></html>"
)


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE.render(Context({"title": "hello"})))


urlpatterns = [path("hello", hello)]
application = get_wsgi_application()
