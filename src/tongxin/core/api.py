"""API building blocks shared by every module: the one error shape and pagination."""

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Schema
from ninja.pagination import PageNumberPagination

if TYPE_CHECKING:  # core imports no app at run time; the user model is only named for the type checker
    from tongxin.accounts.models import User


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class Pagination(PageNumberPagination):
    """``?page=N``; answers ``{"items": [...], "count": total}``; 50 rows a page (at most 200)."""

    class Input(Schema):
        page: int = 1
        page_size: int = 50

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page = max(1, min(pagination.page, 100000))
        size = max(1, min(pagination.page_size, 200))
        offset = (page - 1) * size
        return {"items": queryset[offset : offset + size], "count": self._items_count(queryset)}


def actor(request: HttpRequest) -> "User":
    """The authenticated user of an API request (set by the token or session authenticator)."""
    return request.auth  # type: ignore[attr-defined]  # ninja sets .auth; HttpRequest's stub lacks it
