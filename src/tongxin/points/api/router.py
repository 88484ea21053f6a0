"""The one router of the points API (/api/v1/points/...): each page-family module adds its operations
to it, so the API mounts (and documents) a single router."""

from ninja import Router

from tongxin.points.api.schemas import TAGS

router = Router(tags=TAGS)
