"""The registry's API (``/api/v1/``), one module per family: the tree (regions, organisations,
committees), units, people (memberships, transfers), and figures (coverage, findings, Excel)."""

from ninja import Router

from tongxin.orgs.api import figures, people, tree, units

router = Router(tags=["组织体系"])
for family in (tree, units, people, figures):
    router.add_router("", family.router)

__all__ = ["router"]
