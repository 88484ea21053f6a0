from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "tongxin.orgs"
    label = "orgs"
    verbose_name = "组织体系"

    def ready(self) -> None:
        from tongxin.core import trees
        from tongxin.orgs.models import PartyOrg, Region

        trees.register("region", "行政区划", Region)
        trees.register("org", "党组织", PartyOrg)
