"""``tongxin points verify [--scheme S]``: recompute every hash chain and every published board."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxin.points import selectors
from tongxin.points.models import PublishedBoard, Scheme


class Command(BaseCommand):
    help = "党群积分：verify 重算每条流水哈希链和每张已发布积分榜，指出第一条不符的流水。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="核验流水哈希链与已发布积分榜")
        verify.add_argument("--scheme", type=int, help="只核验这个方案（编号）")
        verify.add_argument("--no-boards", action="store_true", help="不核验积分榜")
        verify.add_argument("--totals", action="store_true", help="同时核对积分合计表与流水")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "verify":
            self.verify(scheme_id=opts.get("scheme"), boards=not opts["no_boards"], totals=opts["totals"])

    def verify(self, *, scheme_id: int | None, boards: bool, totals: bool) -> None:
        schemes = Scheme.objects.order_by("pk")
        if scheme_id is not None:
            schemes = schemes.filter(pk=scheme_id)
            if not schemes.exists():
                raise CommandError(f"没有编号为 {scheme_id} 的积分方案。")
        failures: list[str] = []
        started = time.monotonic()
        for scheme in schemes:
            check = selectors.verify_chain(scheme)
            if check.ok:
                self.stdout.write(f"方案 {scheme.pk}「{scheme.name}」：{check.checked} 条流水，哈希链完整")
            else:
                line = f"方案 {scheme.pk}「{scheme.name}」：{check.message}"
                if check.bad_entry_id:
                    line += f"（流水编号 {check.bad_entry_id}）"
                self.stdout.write(self.style.ERROR(line))
                failures.append(line)
        if boards:
            qs = PublishedBoard.objects.order_by("pk")
            if scheme_id is not None:
                qs = qs.filter(heads__has_key=str(scheme_id))
            for board in qs:
                result = selectors.verify_board(board)
                if result.ok:
                    self.stdout.write(f"积分榜 {board.pk}「{board.title}」：与流水一致")
                else:
                    line = f"积分榜 {board.pk}「{board.title}」：" + "；".join(result.problems)
                    self.stdout.write(self.style.ERROR(line))
                    failures.append(line)
        if totals:
            for problem in selectors.totals_mismatches():
                self.stdout.write(self.style.ERROR(problem))
                failures.append(problem)
        self.stdout.write(f"用时 {time.monotonic() - started:.1f} 秒")
        if failures:
            raise CommandError(f"核验失败：{len(failures)} 处不符。第一处：{failures[0]}")
        self.stdout.write(self.style.SUCCESS("核验通过。"))
