"""The ``tongxin`` console script: Django's management commands, with Tongxin's settings.

``tongxin demo``, ``tongxin serve``, ``tongxin token create USER``, ``tongxin tick`` and every Django
command (``tongxin migrate``, ``tongxin shell`` ...).
"""

from __future__ import annotations

import os
import sys

from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
    execute_from_command_line(["tongxin", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
