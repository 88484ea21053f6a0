"""Roles, what each may do, and which need two-factor login.

A permission is a dotted name (``registry.view``); a role is a set of them. Grants put a role on a
node of a tree; scoping (``core.scoping``) turns "role with perm P on node N" into "rows under N".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    perms: frozenset[str]
    description: str


def _role(code: str, label: str, perms: set[str], description: str) -> Role:
    return Role(code=code, label=label, perms=frozenset(perms), description=description)


ROLES: dict[str, Role] = {
    r.code: r
    for r in [
        _role(
            "county_admin",
            "县级管理员",
            {
                "registry.view", "registry.edit", "pii.reveal", "reports.view",
                "points.view", "points.manage",
                "cases.view", "cases.handle", "cases.supervise", "cases.manage",
                "stars.view", "stars.approve", "stars.manage", "stars.supervise",
            },
            "县委组织部、两新工委工作人员：管理全县组织体系与各项业务",
        ),
        _role(
            "township_admin",
            "乡镇（街道）管理员",
            {
                "registry.view", "registry.edit", "reports.view",
                "points.view", "points.manage",
                "cases.view", "cases.handle", "cases.supervise",
                "stars.view", "stars.rate",
            },
            "乡镇（街道）党（工）委工作人员：管理本乡镇的村、社区和组织",
        ),
        _role(
            "county_leader",
            "县级领导（分包督导）",
            {"reports.view", "stars.view", "stars.supervise", "cases.view", "points.view"},
            "分包乡镇的县级领导：实地督导，交办整改任务",
        ),
        _role(
            "village_secretary",
            "村（社区）党组织书记",
            {"registry.view", "points.view", "points.manage", "cases.view", "cases.handle", "stars.view", "stars.self_assess"},
            "本村（社区）的组织、党员、积分、事项和星级创建",
        ),
        _role(
            "branch_secretary",
            "党支部书记",
            {"registry.view", "cases.view", "cases.handle"},
            "本支部的党员与组织生活",
        ),
        _role("points_recorder", "积分员", {"points.view", "points.record", "points.shop"}, "登记党群积分申报，积分超市兑换"),
        _role("points_reviewer", "积分审核员", {"points.view", "points.review"}, "审核积分申报，处理异议"),
        _role("instructor", "党建指导员", {"registry.view_assigned"}, "指导所派驻单位建立组织"),
        _role("grid_worker", "网格员", {"cases.report", "self.view"}, "兼职网格员：上报隐患和群众需求"),
        _role("resident", "群众", {"self.view", "cases.report"}, "查看本人积分、事项"),
        _role("trainer", "培训班工作人员", {"training.manage"}, "培训班点名、请销假、考核"),
        _role(
            "security_admin",
            "安全管理员",
            {"accounts.manage"},
            "三员分立：管理用户与授权，不接触业务数据",
        ),
        _role("auditor", "审计员", {"audit.view"}, "三员分立：只查看审计日志"),
    ]
}  # fmt: skip

ROLE_CHOICES = [(code, role.label) for code, role in ROLES.items()]


def perms_of(role: str) -> frozenset[str]:
    return ROLES[role].perms if role in ROLES else frozenset()


def roles_with(perm: str) -> list[str]:
    return [code for code, role in ROLES.items() if perm in role.perms]
