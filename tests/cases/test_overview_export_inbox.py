"""The supervisor's overview figures, the Excel export, the inbox and pluggable senders."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.cases.conftest import T0, Loop
from tests.factories import login
from tongxin.cases import notify, selectors, services
from tongxin.cases.models import Notification
from tongxin.core.errors import DomainError

SENT: list[str] = []


def record_sender(notification: Notification) -> None:
    SENT.append(notification.text)


def _resolved(loop: Loop, *, late: bool, rating: int) -> None:
    sec = loop.world.user("village_secretary")
    case = loop.report()
    services.accept_case(actor=sec, case=case, now=T0 + timedelta(hours=1))
    services.start_case(actor=sec, case=case, now=T0 + timedelta(hours=1))
    when = case.resolve_due_at + timedelta(hours=1) if late else T0 + timedelta(hours=5)
    services.resolve_case(actor=sec, case=case, note="已处理", now=when)
    services.confirm_case(actor=loop.rider, case=case, rating=rating, now=when + timedelta(hours=1))


def test_overview_counts_on_time_overdue_and_satisfaction(loop: Loop) -> None:
    _resolved(loop, late=False, rating=5)
    _resolved(loop, late=True, rating=2)
    loop.report()  # still open, overdue at the moment below
    data = selectors.overview(loop.world.user("township_admin"), now=T0 + timedelta(days=30))
    assert (data.total, data.resolved, data.on_time, data.on_time_rate) == (3, 2, 1, 50.0)
    assert (data.overdue, data.rated, data.satisfied, data.satisfaction_rate) == (1, 2, 1, 50.0)
    assert data.by_region == [{"region": "甲一村", "total": 3, "overdue": 1, "resolved": 2, "in_time": 1}]
    other = selectors.overview(loop.world.user("county_admin"), now=T0 + timedelta(days=30))
    assert other.total == 3
    assert [r["region"] for r in other.by_region] == ["甲镇"]


def test_the_export_is_an_xlsx_with_masked_reporters(loop: Loop) -> None:
    _resolved(loop, late=False, rating=5)
    client = login(Client(), loop.world.user("township_admin"))
    r = client.get("/cases/overview/export.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and len(rows) == 2
    assert rows[1][6] == "网**"  # reporter masked
    assert rows[1][12] == "是"  # on time
    assert login(Client(), loop.rider).get("/cases/overview/export.xlsx").status_code == 404


def test_the_inbox_lists_and_marks_messages_read(loop: Loop) -> None:
    case = loop.report()
    services.accept_case(actor=loop.world.user("village_secretary"), case=case)
    client = login(Client(), loop.rider)
    page = client.get("/cases/inbox/").content.decode()
    assert "已受理" in page and 'data-testid="unread">1<' in page
    client.post("/cases/inbox/")
    assert selectors.unread_count(loop.rider) == 0
    assert services.mark_read(actor=loop.rider) == 0  # idempotent


def test_external_senders_run_after_commit(loop: Loop, settings, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    settings.CASES_NOTIFY_SENDERS = ["tests.cases.test_overview_export_inbox.record_sender"]
    notify.external_senders.cache_clear()
    SENT.clear()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            loop.report()
        assert any("新问题上报" in text for text in SENT)
    finally:
        notify.external_senders.cache_clear()


def test_staff_confirm_for_a_caller_without_an_account(loop: Loop) -> None:
    # The handler may not confirm for a caller without an account; a second staff member (who took no
    # part in handling) records the confirmation from the return call.
    sec = loop.world.user("village_secretary")
    case = loop.report(actor=sec, reporter_name="王大爷", reporter_mobile="13900001111")
    services.accept_case(actor=sec, case=case)
    services.start_case(actor=sec, case=case)
    services.resolve_case(actor=sec, case=case, note="已处理")
    with pytest.raises(DomainError) as exc:
        services.confirm_case(actor=sec, case=case, rating=4, feedback="电话回访满意")
    assert exc.value.field == "confirmer"
    second = loop.world.user("township_admin")
    case = services.confirm_case(actor=second, case=case, rating=4, feedback="电话回访满意")
    assert case.state == "closed" and case.rating == 4
    assert "人员档案" in case.points_note  # no registry person with that number
