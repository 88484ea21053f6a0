"""The 五星支部创建 API under ``/api/v1/stars``, one module per family. Importing the family modules
adds their operations to ``router`` (in this order, which is the order of the OpenAPI document)."""

from tongxin.stars.api import criteria, cycles, lists, supervision
from tongxin.stars.api.router import router

__all__ = ["criteria", "cycles", "lists", "router", "supervision"]
