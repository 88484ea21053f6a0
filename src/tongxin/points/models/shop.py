"""积分超市: goods with a price in points and stock; redemptions spend the spendable balance."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone

from tongxin.core.models import AppendOnlyModel, AppendOnlyQuerySet
from tongxin.orgs.models import Person
from tongxin.points.models.schemes import Scheme


class Goods(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="goods")
    region_path = models.CharField(max_length=255, db_index=True, editable=False)
    name = models.CharField("商品名称", max_length=100)
    price = models.PositiveIntegerField("兑换所需积分")
    stock = models.PositiveIntegerField("库存")
    is_active = models.BooleanField("上架", default=True)

    SCOPE = {"region": "region_path"}

    class Meta:
        verbose_name = "商品"
        verbose_name_plural = "商品"
        ordering = ["scheme", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="points_goods_stock_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.price}分）"

    def audit_path(self) -> str:
        return self.region_path


class Redemption(AppendOnlyModel):
    """One redemption at the shop, made by a shop keeper for a villager. Never changed."""

    objects: ClassVar[models.Manager[Redemption]] = AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="+")
    goods = models.ForeignKey(Goods, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, db_index=True, editable=False)
    quantity = models.PositiveIntegerField("数量")
    points = models.PositiveIntegerField("消耗积分")
    cycle = models.CharField(max_length=4)
    month = models.CharField(max_length=7, db_index=True)
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    request_key = models.CharField(max_length=64, blank=True, default="")

    SCOPE = {"region": "region_path"}

    class Meta:
        verbose_name = "兑换记录"
        verbose_name_plural = "兑换记录"
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "request_key"],
                condition=~models.Q(request_key=""),
                name="points_redeem_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person.name} 兑换 {self.goods.name}×{self.quantity}"

    def audit_path(self) -> str:
        return self.region_path
