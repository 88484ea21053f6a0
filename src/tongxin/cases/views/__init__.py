"""Pages of the closed loop, one module per page family: ``report`` (report, my cases), ``case`` (one
case with its actions and photos), ``handling`` (the queue, the supervisor's overview and export),
``inbox`` and ``volunteers`` (teams, service records and the public-report tallies)."""
