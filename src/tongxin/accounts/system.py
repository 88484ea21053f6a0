"""``SYSTEM``: the explicit actor of jobs, management commands and the demo builder (see
``accounts.models.SystemActor``). Pass it where no person acts; ``actor=None`` is not a way to skip checks."""

from __future__ import annotations

from tongxin.accounts.models import SystemActor

SYSTEM = SystemActor(username="system", real_name="系统", must_change_password=False)
