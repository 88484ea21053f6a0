"""Tongxin behind Django's stock WSGI handler: every request through the full ``MIDDLEWARE``, no lean
chains (``core/handlers.py``). The foundation benchmark serves it beside ``tongxin.wsgi`` to measure what
the lean chains save.

    gunicorn --chdir bench/foundation stock_wsgi:application
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
application = get_wsgi_application()
