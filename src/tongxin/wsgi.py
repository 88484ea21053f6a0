import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
_full = get_wsgi_application()

from tongxin.core.handlers import make_application  # noqa: E402 - needs the settings configured above

application = make_application(_full)
