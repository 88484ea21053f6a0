"""``tongxin points verify [--scheme S] [--totals] [--anchors PATH]``: recompute every hash chain and
every published board, compare the chain heads with the anchors kept outside the database and,
with ``--totals``, the derived tables with the ledger. ``tongxin points rebuild-totals``: rebuild
those tables from the ledger."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxin.accounts.system import SYSTEM
from tongxin.points import chain, selectors, totals, verify
from tongxin.points.models import PublishedBoard, Scheme


class Command(BaseCommand):
    help = (
        "党群积分：verify 重算每条流水哈希链和每张已发布积分榜，并与库外锚点核对，指出第一条不符的流水；"
        "rebuild-totals 按流水重建积分合计表和积分钱包。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("verify", help="核验流水哈希链、已发布积分榜和库外锚点")
        check.add_argument("--scheme", type=int, help="只核验这个方案（编号）")
        check.add_argument("--no-boards", action="store_true", help="不核验积分榜")
        check.add_argument("--totals", action="store_true", help="同时核对人员、户合计表和积分钱包与流水")
        check.add_argument(
            "--anchors", type=Path, help="锚点文件（默认为数据目录下的 anchors/ledger-anchors.jsonl）"
        )
        sub.add_parser("rebuild-totals", help="按流水重建人员、户合计表和积分钱包（可重复执行）")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "verify":
            self.verify(
                scheme_id=opts.get("scheme"), boards=not opts["no_boards"], with_totals=opts["totals"],
                anchors=opts.get("anchors"),
            )  # fmt: skip
        elif opts["action"] == "rebuild-totals":
            done = totals.rebuild_totals(actor=SYSTEM)
            self.stdout.write(
                self.style.SUCCESS(
                    f"已按流水重建：人员合计 {done.person_totals} 行，户合计 {done.household_totals} 行，"
                    f"积分钱包 {done.wallets} 行；重建前有 {done.differences} 处与流水不符。"
                )
            )

    def verify(self, *, scheme_id: int | None, boards: bool, with_totals: bool, anchors: Path | None) -> None:
        schemes = Scheme.objects.order_by("pk")
        if scheme_id is not None:
            schemes = schemes.filter(pk=scheme_id)
            if not schemes.exists():
                raise CommandError(f"没有编号为 {scheme_id} 的积分方案。")
        if anchors is not None and not anchors.exists():
            raise CommandError(f"锚点文件 {anchors} 不存在。")
        failures: list[str] = []
        started = time.monotonic()

        def fail(line: str) -> None:
            self.stdout.write(self.style.ERROR(line))
            failures.append(line)

        for scheme in schemes:
            check = verify.verify_chain(scheme)
            if check.ok:
                line = f"方案 {scheme.pk}「{scheme.name}」：{check.checked} 条流水，哈希链完整"
                if check.old_format:
                    line += f"（其中 {check.old_format} 条为旧格式，其哈希不含项目名称、记录人和区划）"
                self.stdout.write(line)
            else:
                line = f"方案 {scheme.pk}「{scheme.name}」：{check.message}"
                if check.bad_entry_id:
                    line += f"（流水编号 {check.bad_entry_id}）"
                fail(line)
        path = anchors or chain.anchor_file()
        if path.exists():
            problems = verify.anchor_mismatches(path, scheme_id=scheme_id)
            for problem in problems:
                fail(problem)
            if not problems:
                self.stdout.write(f"锚点文件 {path}：链头与流水一致")
        else:
            self.stdout.write(f"锚点文件 {path} 不存在（尚未发布积分榜），未核对库外锚点")
        if boards:
            qs = PublishedBoard.objects.order_by("pk")
            if scheme_id is not None:
                qs = qs.filter(heads__has_key=str(scheme_id))
            for board in qs:
                result = selectors.verify_board(board)
                if result.ok:
                    self.stdout.write(f"积分榜 {board.pk}「{board.title}」：与流水一致")
                else:
                    fail(f"积分榜 {board.pk}「{board.title}」：" + "；".join(result.problems))
        if with_totals:
            problems = verify.totals_mismatches()
            for problem in problems:
                fail(problem)
            if not problems:
                self.stdout.write("人员、户积分合计表和积分钱包与流水一致")
        self.stdout.write(f"用时 {time.monotonic() - started:.1f} 秒")
        if failures:
            raise CommandError(f"核验失败：{len(failures)} 处不符。第一处：{failures[0]}")
        self.stdout.write(self.style.SUCCESS("核验通过。"))
