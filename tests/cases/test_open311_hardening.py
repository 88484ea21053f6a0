"""Issue 11 findings 4–5 on Open311 and the public endpoints: control characters made requests.xml
unparsable for everyone (and NUL bytes break PostgreSQL), ``end_date=0001-01-01`` and huge ids answered
500, POSTs had no rate limit and no duplicate check. Each test fails on the code before the fix."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client, override_settings

from tests.cases.conftest import Loop
from tongxin.accounts.system import SYSTEM
from tongxin.cases import open311, services
from tongxin.cases.models import Case

BASE = "/open311/v2"


@pytest.fixture
def api_key(loop: Loop) -> str:
    _, raw = services.create_open311_key(actor=SYSTEM, name="城市服务App", region=loop.world.village_a1)
    return raw


def _report(api_key: str, **extra: Any) -> dict[str, Any]:
    return {"api_key": api_key, "service_code": "safety_hazard", "lat": "34.9", "long": "112.78",
            "description": "井盖缺失", **extra}  # fmt: skip


def test_finding_control_characters_no_longer_break_requests_xml(
    loop: Loop, client: Client, api_key: str
) -> None:
    r = client.post(
        f"{BASE}/requests.json", _report(api_key, description="井盖\x00缺失\x07\x1b[31m\r\n请处理\x0b")
    )
    assert r.status_code == 201, r.content
    case = Case.objects.get(pk=r.json()[0]["service_request_id"])
    assert case.description == "井盖缺失[31m\r\n请处理"  # NUL, BEL, ESC, VT removed; line breaks kept
    # A row stored before the fix (written directly) is cleaned when rendered, too.
    Case.objects.filter(pk=case.pk).update(description="旧数据\x01\x02")
    root = ET.fromstring(client.get(f"{BASE}/requests.xml").content)  # parses
    assert "旧数据" in [el.findtext("description") for el in root]


def test_finding_nul_bytes_in_every_text_field_are_removed_before_storing(
    loop: Loop, client: Client, api_key: str
) -> None:
    r = client.post(
        f"{BASE}/requests.json",
        {"api_key": api_key, "service_code": "facility_damage", "address_string": "村口\x00路灯",
         "description": "路灯\x00不亮", "attribute[facility]": "streetlight", "media_url": "https://x.example/\x00a.jpg"},
    )  # fmt: skip
    assert r.status_code == 201, r.content
    case = Case.objects.get(pk=r.json()[0]["service_request_id"])
    assert (case.description, case.address, case.media_url) == (
        "路灯不亮",
        "村口路灯",
        "https://x.example/a.jpg",
    )


@pytest.mark.parametrize(
    "query",
    [
        "end_date=0001-01-01",
        "start_date=0001-01-01T00:00:00Z",
        "end_date=9999-12-31",
        "service_request_id=99999999999999999999999",
        "service_request_id=%C2%B2",  # "²": str.isdigit() is true, int() fails
    ],
)
def test_finding_dates_and_ids_out_of_range_answer_400_in_the_spec_format(
    loop: Loop, client: Client, query: str
) -> None:
    r = client.get(f"{BASE}/requests.json?{query}")
    assert r.status_code == 400, r.content
    (error,) = r.json()
    assert error["code"] == 400 and error["description"]


def test_a_huge_request_id_in_the_path_answers_404(loop: Loop, client: Client) -> None:
    r = client.get(f"{BASE}/requests/99999999999999999999999.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404


@pytest.mark.parametrize("backend", ["database", "cache"])
def test_finding_open311_posts_are_rate_limited_per_ip_with_429(
    loop: Loop, client: Client, api_key: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        open311, "_limits", lambda: {"post_per_key": 100, "post_per_ip": 3, "get_per_ip": 100}
    )
    with override_settings(RATELIMIT_BACKEND=backend):
        codes = [
            client.post(f"{BASE}/requests.json", _report(api_key, description=f"第{n}处井盖缺失")).status_code
            for n in range(5)
        ]
        assert codes == [201, 201, 201, 429, 429]
        r = client.post(f"{BASE}/requests.xml", _report(api_key, description="又一处"))
        assert r.status_code == 429 and ET.fromstring(r.content).tag == "errors"
        # Another address is not limited by this one's count.
        other = client.post(
            f"{BASE}/requests.json", _report(api_key, description="别处"), REMOTE_ADDR="10.0.0.9"
        )
        assert other.status_code == 201
    assert Case.objects.count() == 4


def test_finding_open311_posts_are_rate_limited_per_key(
    loop: Loop, client: Client, api_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        open311, "_limits", lambda: {"post_per_key": 2, "post_per_ip": 100, "get_per_ip": 100}
    )
    codes = [
        client.post(
            f"{BASE}/requests.json", _report(api_key, description=f"第{n}处"), REMOTE_ADDR=f"10.0.0.{n}"
        ).status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]


def test_finding_reads_are_rate_limited_per_ip(
    loop: Loop, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(open311, "_limits", lambda: {"post_per_key": 9, "post_per_ip": 9, "get_per_ip": 2})
    codes = [client.get(f"{BASE}/services.json").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_finding_a_duplicate_post_is_answered_with_the_first_requests_id(
    loop: Loop, client: Client, api_key: str
) -> None:
    first = client.post(f"{BASE}/requests.json", _report(api_key))
    again = client.post(f"{BASE}/requests.json", _report(api_key))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    assert Case.objects.count() == 1
    # Different content, or the same content from another client, is a new report.
    assert client.post(f"{BASE}/requests.json", _report(api_key, description="另一处")).status_code == 201
    assert client.post(f"{BASE}/requests.json", _report(api_key), REMOTE_ADDR="10.1.1.1").status_code == 201
    assert Case.objects.count() == 3
