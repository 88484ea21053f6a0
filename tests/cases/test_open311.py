"""Open311 GeoReport v2: responses validate against schemas written from the spec, in JSON and XML;
a form-encoded POST creates a public report readable at once; bad input answers with the spec's error
format and creates nothing; appeals and private reports are never published; coordinates are rounded."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import jsonschema_rs
import pytest
from django.core.management import call_command
from django.test import Client

from tests.cases import open311_schemas as schemas
from tests.cases.conftest import Loop
from tongxin.accounts.system import SYSTEM
from tongxin.cases import services
from tongxin.cases.models import Case, Open311Key

BASE = "/open311/v2"


def valid(schema: dict[str, Any], data: Any) -> None:
    jsonschema_rs.validate(schema, data)


@pytest.fixture
def api_key(loop: Loop) -> str:
    _, raw = services.create_open311_key(actor=SYSTEM, name="城市服务App", region=loop.world.village_a1)
    return raw


def _post(client: Client, fmt: str = "json", **data: Any) -> Any:
    return client.post(f"{BASE}/requests.{fmt}", data)


def test_discovery_and_services_validate_in_json(loop: Loop, client: Client) -> None:
    r = client.get(f"{BASE}/discovery.json")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    valid(schemas.DISCOVERY, r.json())
    r = client.get(f"{BASE}/services.json")
    valid(schemas.SERVICES, r.json())
    codes = {s["service_code"] for s in r.json()}
    assert "safety_hazard" in codes
    # Appeals and the personal grid-report category are never offered.
    assert not codes & {"legal_advice", "social_insurance", "hardship", "needy_people"}
    r = client.get(f"{BASE}/services/facility_damage.json")
    valid(schemas.SERVICE_DEFINITION, r.json())
    assert r.json()["attributes"][0]["code"] == "facility"
    r = client.get(f"{BASE}/services/legal_advice.json")
    assert r.status_code == 404
    valid(schemas.ERRORS, r.json())


def test_xml_has_the_spec_element_names(loop: Loop, client: Client, api_key: str) -> None:
    root = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert root.tag == "services"
    assert {c.tag for c in root} == {"service"}
    assert root.find("service/service_code") is not None
    root = ET.fromstring(client.get(f"{BASE}/discovery.xml").content)
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]
    root = ET.fromstring(client.get(f"{BASE}/services/facility_damage.xml").content)
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key") is not None
    r = _post(
        client,
        "xml",
        api_key=api_key,
        service_code="environment",
        lat="34.9",
        long="112.78",
        description="垃圾堆积",
    )
    assert r.status_code == 201 and r["Content-Type"].startswith("text/xml")
    created = ET.fromstring(r.content)
    rid = created.findtext("request/service_request_id")
    assert rid
    root = ET.fromstring(client.get(f"{BASE}/requests/{rid}.xml").content)
    assert root.tag == "service_requests"
    assert root.findtext("request/status") == "open"
    err = ET.fromstring(client.get(f"{BASE}/requests/999999.xml").content)
    assert err.tag == "errors" and err.findtext("error/code") == "404"


def test_a_form_encoded_post_creates_a_public_report_readable_at_once(
    loop: Loop, client: Client, api_key: str
) -> None:
    r = _post(
        client,
        api_key=api_key,
        service_code="facility_damage",
        lat="34.912345",
        long="112.781234",
        description="路灯不亮",
        **{"attribute[facility]": "streetlight", "email": "someone@example.com", "first_name": "张"},
    )
    assert r.status_code == 201, r.content
    valid(schemas.POST_RESPONSE, r.json())
    rid = r.json()[0]["service_request_id"]
    case = Case.objects.get(pk=int(rid))
    assert case.kind == "report" and case.published and case.channel == "open311"
    assert case.attributes == {"facility": "streetlight"}
    assert case.handling_org == loop.world.branch_a1
    detail = client.get(f"{BASE}/requests/{rid}.json").json()
    valid(schemas.SERVICE_REQUESTS, detail)
    req = detail[0]
    assert req["status"] == "open"
    assert req["agency_responsible"] == loop.world.branch_a1.name
    assert req["expected_datetime"]
    # About 100 m: three decimals, not the six that were sent.
    assert (req["lat"], req["long"]) == (34.912, 112.781)
    assert "someone@example.com" not in json.dumps(detail)
    listing = client.get(
        f"{BASE}/requests.json", {"service_code": "facility_damage", "status": "open"}
    ).json()
    valid(schemas.SERVICE_REQUESTS, listing)
    assert [x["service_request_id"] for x in listing] == [rid]


@pytest.mark.parametrize(
    ("data", "status", "needle"),
    [
        ({"service_code": "nope", "lat": "34.9", "long": "112.7", "description": "x"}, 400, "service_code"),
        (
            {"service_code": "legal_advice", "lat": "34.9", "long": "112.7", "description": "x"},
            400,
            "service_code",
        ),
        ({"service_code": "environment", "description": "垃圾"}, 400, "位置"),
        (
            {"service_code": "environment", "lat": "34.9", "long": "112.7", "description": "长" * 4001},
            400,
            "4000",
        ),
        (
            {"service_code": "environment", "lat": "north", "long": "112.7", "description": "垃圾"},
            400,
            "纬度",
        ),
        (
            {
                "service_code": "facility_damage",
                "lat": "34.9",
                "long": "112.7",
                "description": "灯",
                "attribute[facility]": "bogus",
            },
            400,
            "attribute",
        ),
    ],
)
def test_bad_input_answers_with_the_spec_error_format_and_creates_nothing(
    loop: Loop, client: Client, api_key: str, data: dict[str, str], status: int, needle: str
) -> None:
    before = Case.objects.count()
    r = _post(client, api_key=api_key, **data)
    assert r.status_code == status
    body = r.json()
    valid(schemas.ERRORS, body)
    assert body[0]["code"] == status and needle in body[0]["description"]
    assert Case.objects.count() == before


def test_a_missing_or_revoked_key_is_refused(loop: Loop, client: Client, api_key: str) -> None:
    r = _post(
        client, api_key="wrong", service_code="environment", lat="34.9", long="112.7", description="垃圾"
    )
    assert r.status_code == 403
    valid(schemas.ERRORS, r.json())
    key = Open311Key.objects.get()
    services.revoke_open311_key(actor=SYSTEM, key=key)
    r = _post(
        client, api_key=api_key, service_code="environment", lat="34.9", long="112.7", description="垃圾"
    )
    assert r.status_code == 403
    assert Case.objects.count() == 0


def test_only_public_reports_are_published(loop: Loop, client: Client) -> None:
    public = loop.report()
    private = loop.report(published=False)
    appeal = loop.report(code="legal_advice", description="工伤怎么认定")
    needy = loop.report(code="needy_people", description="独居老人需要送药")
    # Without start_date the spec's default window is the last 90 days; these cases are older.
    assert client.get(f"{BASE}/requests.json").json() == []
    listing = client.get(f"{BASE}/requests.json", {"start_date": "2025-01-01T00:00:00Z"}).json()
    valid(schemas.SERVICE_REQUESTS, listing)
    assert [x["service_request_id"] for x in listing] == [str(public.pk)]
    for hidden in (private, appeal, needy):
        r = client.get(f"{BASE}/requests/{hidden.pk}.json")
        assert r.status_code == 404
        valid(schemas.ERRORS, r.json())
    assert "网格员" not in json.dumps(listing, ensure_ascii=False)  # no reporter identity


def test_status_and_date_filters(loop: Loop, client: Client) -> None:
    sec = loop.world.user("village_secretary")
    done = loop.report()
    services.accept_case(actor=sec, case=done)
    services.start_case(actor=sec, case=done)
    services.resolve_case(actor=sec, case=done, note="已处理")
    loop.report(description="另一处隐患")
    closed = client.get(
        f"{BASE}/requests.json", {"status": "closed", "start_date": "2025-06-01T00:00:00+08:00"}
    ).json()
    assert [x["service_request_id"] for x in closed] == [str(done.pk)]
    assert closed[0]["status_notes"]
    r = client.get(f"{BASE}/requests.json", {"start_date": "yesterday"})
    assert r.status_code == 400
    valid(schemas.ERRORS, r.json())
    r = client.get(f"{BASE}/requests.json", {"status": "pending"})
    assert r.status_code == 400


def test_the_key_command_prints_a_key_stored_hashed(loop: Loop, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("open311", "key", "create", "测试客户端", "--region", "甲一村")
    raw = capsys.readouterr().out.strip()
    key = Open311Key.objects.get(name="测试客户端")
    assert key.region == loop.world.village_a1
    assert key.digest == Open311Key.digest_of(raw) and raw not in key.digest
    assert services.key_for(raw) == key


def test_numbers_typed_into_a_description_are_masked_when_published(
    loop: Loop, client: Client, api_key: str
) -> None:
    """The case keeps what was reported (staff need to call back); the public feed masks ID and mobile
    numbers in the text."""
    r = _post(
        client,
        api_key=api_key,
        service_code="environment",
        lat="34.9",
        long="112.78",
        description="垃圾堆积，联系我13800001234，身份证410823199001011234",
    )
    assert r.status_code == 201, r.content
    rid = r.json()[0]["service_request_id"]
    assert "13800001234" in Case.objects.get(pk=int(rid)).description
    for url in (f"{BASE}/requests/{rid}.json", f"{BASE}/requests.json"):
        text = client.get(url).content.decode()
        assert "13800001234" not in text and "410823199001011234" not in text, url
        assert "138****1234" in text, url
