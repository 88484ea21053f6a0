from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "tongxin.orgs"
    label = "orgs"
    verbose_name = "组织体系"
    # (label, url name, permission, order); "组织体系" and "党组织" come from accounts.context.NAV.
    nav_items = [
        ("单位", "orgs:unit_list", "registry.view", 12),
        ("我联系的单位", "orgs:unit_list", "registry.view_assigned", 12),
        ("人员", "orgs:person_list", "registry.view", 13),
        ("两个覆盖", "orgs:coverage", "reports.view", 14),
    ]

    def ready(self) -> None:
        # Imported here, not at the top: models cannot be imported before the app registry is ready,
        # and this module is loaded to build that registry.
        from tongxin.core import trees
        from tongxin.orgs.models import PartyOrg, Region
        from tongxin.orgs.paths import copies_org_path

        trees.register("region", "行政区划", Region)
        trees.register("org", "党组织", PartyOrg)
        for label, field in (
            ("orgs.Membership", "org_path"), ("orgs.Person", "org_path"), ("orgs.Unit", "org_path"),
            ("orgs.Transfer", "from_org_path"), ("orgs.Transfer", "to_org_path"),
            # Grants on the org tree: whoever was granted the moved branch keeps it (region grants
            # never match, their paths start with /r).
            ("accounts.Grant", "path"),
        ):  # fmt: skip
            copies_org_path(label, field)
