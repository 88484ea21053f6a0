from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from tongxin.accounts.models import User
from tongxin.core.errors import DomainError
from tongxin.points import access, selectors
from tongxin.points.models import Goods


def user_with(request: HttpRequest, *perms: str) -> User:
    """The logged-in user, when they hold one of ``perms`` somewhere; else the page does not exist."""
    user: User = request.user  # type: ignore[assignment]
    if not any(user.has_perm_anywhere(p) for p in perms):
        raise Http404("未找到该页面，或您无权查看。")
    return user


def show_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def whole_number(raw: str) -> int | None:
    """``raw`` as a non-negative whole number (full-width digits too), None when it is not one.
    Services bound the value; ``str.isdigit`` is not enough here, as it takes "²", which ``int`` refuses."""
    raw = raw.strip()
    if not raw.isdecimal():
        return None
    try:
        return int(raw)
    except ValueError:  # more digits than int() converts (sys.int_max_str_digits)
        return None


# The shop: a user may hold points.shop (keeping a village's shop) on one node and points.manage on
# another. What either grant allows (restocking, the goods list) reaches the goods of both scopes.
SHOP_OR_MANAGE = (access.SHOP, access.MANAGE)


def goods_kept_or_managed(user: User) -> QuerySet[Goods]:
    """Goods in the union of the user's shop-keeping and managing scopes, off the shelf too."""
    kept = selectors.goods_for(user, access.SHOP)
    managed = selectors.goods_for(user, access.MANAGE)
    return (kept | managed).select_related("scheme").order_by("scheme", "name")


def goods_item_kept_or_managed(user: User, pk: int) -> Goods:
    """One goods row the user keeps the shop of or manages; else ``Http404``, the refusal recorded as
    for any scoped lookup (the last lookup below raises it)."""
    goods = selectors.goods_for(user, access.SHOP).filter(pk=pk).first()
    return goods or selectors.goods_item_for(user, pk, access.MANAGE)
