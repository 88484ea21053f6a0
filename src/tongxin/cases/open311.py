"""Open311 GeoReport v2 under ``/open311/v2/`` (http://wiki.open311.org/GeoReport_v2), JSON and XML.

Privacy by default, as FixMyStreet does: only grid reports of public categories that are marked public
are listed; appeals (personal matters) never; no reporter identity; coordinates rounded to about 100 m
(rule ``cases_defaults.public_coordinate_decimals``) and the place given as the village or community,
not the typed street address. Errors use the specification's format: ``[{"code", "description"}]``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tongxin.cases import selectors, services
from tongxin.cases.models import Case, Category, Channel, State
from tongxin.core import pii, rules
from tongxin.core.errors import DomainError

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2024-01-01T00:00:00+08:00"
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
OPEN = "open"
CLOSED = "closed"
STATUS_NOTES: dict[str, str] = {
    State.SUBMITTED: "已上报，等待受理",
    State.ACCEPTED: "已受理",
    State.ASSIGNED: "已指派承办人",
    State.IN_PROGRESS: "正在处置",
    State.RESOLVED: "已办结，等待上报人确认",
    State.CLOSED: "已办结",
    State.REJECTED: "不予受理",
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# --- rendering ---------------------------------------------------------------------------------


def _xml_value(parent: ET.Element, key: str, value: Any) -> None:
    el = ET.SubElement(parent, key)
    if isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is not None:
        el.text = str(value)


def _to_xml(root: str, item: str | None, data: Any) -> bytes:
    top = ET.Element(root)

    def fill(parent: ET.Element, obj: dict[str, Any]) -> None:
        for key, value in obj.items():
            if isinstance(value, list):
                holder = ET.SubElement(parent, key)
                child_name = {
                    "attributes": "attribute",
                    "values": "value",
                    "endpoints": "endpoint",
                    "formats": "format",
                }[key]
                for entry in value:
                    if isinstance(entry, dict):
                        fill(ET.SubElement(holder, child_name), entry)
                    else:
                        _xml_value(holder, child_name, entry)
            else:
                _xml_value(parent, key, value)

    if isinstance(data, list):
        for obj in data:
            fill(ET.SubElement(top, item or "item"), obj)
    else:
        fill(top, data)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(
        top, encoding="utf-8", xml_declaration=False
    )


def _respond(fmt: str, data: Any, *, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    body = _to_xml(root, item, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _respond(
        fmt, [{"code": status, "description": description}], root="errors", item="error", status=status
    )


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Http404("格式只支持 json 或 xml")
    return fmt


def _iso(dt: datetime | None) -> str | None:
    return timezone.localtime(dt).isoformat(timespec="seconds") if dt else None


def _round(value: Decimal | None) -> float | None:
    if value is None:
        return None
    places = int(rules.in_force("cases_defaults").value("public_coordinate_decimals"))
    return float(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _service(cat: Category) -> dict[str, Any]:
    return {
        "service_code": cat.code,
        "service_name": cat.name,
        "description": cat.description,
        "metadata": bool(cat.attributes),
        "type": "realtime",
        "keywords": cat.name,
        "group": cat.get_kind_display(),
    }


def _request(case: Case) -> dict[str, Any]:
    status = OPEN if case.state in (*selectors.OPEN_STATES,) else CLOSED
    return {
        "service_request_id": str(case.pk),
        "status": status,
        "status_notes": STATUS_NOTES.get(str(case.state), ""),
        "service_name": case.category.name,
        "service_code": case.category.code,
        # Published to anyone: numbers a reporter typed into the text are masked (PIPL art. 28).
        "description": pii.redact_text(case.description),
        "agency_responsible": case.handling_org.name if case.handling_org else "",
        "service_notice": "",
        "requested_datetime": _iso(case.created_at),
        "updated_datetime": _iso(case.state_changed_at),
        "expected_datetime": _iso(case.resolve_due_at),
        "address": case.region.name,
        "address_id": "",
        "zipcode": "",
        "lat": _round(case.lat),
        "long": _round(case.lng),
        "media_url": case.media_url,
    }


def _published_categories() -> QuerySet[Category]:
    return Category.objects.filter(active=True, public=True, kind="report").order_by("sort", "id")


# --- endpoints ---------------------------------------------------------------------------------


def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    fmt = _fmt(fmt)
    url = request.build_absolute_uri(reverse("open311:discovery", args=["json"])).rsplit("/", 1)[0] + "/"
    data = {
        "changeset": CHANGESET,
        "contact": "当地县（市）委组织部、两新工委；问题请通过同心平台上报。",
        "key_service": "api_key 由平台管理员发放：tongxin open311 key create 名称",
        "endpoints": [
            {
                "specification": SPEC,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _respond(fmt, data, root="discovery")


def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    fmt = _fmt(fmt)
    return _respond(fmt, [_service(c) for c in _published_categories()], root="services", item="service")


def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    fmt = _fmt(fmt)
    cat = _published_categories().filter(code=code).first()
    if cat is None:
        return _error(fmt, 404, f"service_code {code} 不存在")
    attributes = [
        {
            "variable": True,
            "code": a["code"],
            "datatype": a.get("datatype", "string"),
            "required": bool(a.get("required", False)),
            "datatype_description": a.get("datatype_description", ""),
            "order": n,
            "description": a.get("description", a["code"]),
            "values": [{"key": v["key"], "name": v["name"]} for v in a.get("values", [])],
        }
        for n, a in enumerate(cat.attributes, start=1)
    ]
    return _respond(fmt, {"service_code": cat.code, "attributes": attributes}, root="service_definition")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    fmt = _fmt(fmt)
    try:
        if request.method == "POST":
            return _create(request, fmt)
        return _respond(fmt, [_request(c) for c in _query(request)], root="service_requests", item="request")
    except Open311Error as exc:
        return _error(fmt, exc.status, exc.description)


def request_detail(request: HttpRequest, pk: str, fmt: str) -> HttpResponse:
    fmt = _fmt(fmt)
    if not pk.isdigit():
        return _error(fmt, 404, f"service_request_id {pk} 不存在")
    case = selectors.published_cases().select_related("region").filter(pk=int(pk)).first()
    if case is None:
        return _error(fmt, 404, f"service_request_id {pk} 不存在")
    return _respond(fmt, [_request(case)], root="service_requests", item="request")


def _parse_dt(value: str, name: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} 应为 W3C 日期时间格式（如 2025-06-11T09:00:00+08:00）") from None
    return dt if dt.tzinfo else timezone.make_aware(dt)


def _query(request: HttpRequest) -> list[Case]:
    rs = rules.in_force("cases_defaults")
    qs = selectors.published_cases().select_related("region")
    g = request.GET
    ids = [p.strip() for p in g.get("service_request_id", "").split(",") if p.strip()]
    if ids:
        if not all(p.isdigit() for p in ids):
            raise Open311Error(400, "service_request_id 应为以逗号分隔的编号")
        return list(qs.filter(pk__in=[int(p) for p in ids]).order_by("-created_at"))
    codes = [c.strip() for c in g.get("service_code", "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    end = _parse_dt(g["end_date"], "end_date") if g.get("end_date") else None
    start = _parse_dt(g["start_date"], "start_date") if g.get("start_date") else None
    if start is None:
        start = (end or timezone.now()) - timedelta(days=int(rs.value("open311_default_days")))
    qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    statuses = {s.strip() for s in g.get("status", "").split(",") if s.strip()}
    if statuses - {OPEN, CLOSED}:
        raise Open311Error(400, "status 只能是 open 或 closed")
    if statuses == {OPEN}:
        qs = qs.filter(state__in=selectors.OPEN_STATES)
    elif statuses == {CLOSED}:
        qs = qs.exclude(state__in=selectors.OPEN_STATES)
    return list(qs.order_by("-created_at", "-id")[: int(rs.value("open311_max_results"))])


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    p = request.POST
    key = services.key_for(p.get("api_key", ""))
    if key is None:
        raise Open311Error(403, "api_key 无效或缺失")
    code = p.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code 必填")
    cat = _published_categories().filter(code=code).first()
    if cat is None:
        raise Open311Error(400, f"service_code {code} 不存在")
    lat, lng = p.get("lat", "").strip(), p.get("long", "").strip()
    address = (p.get("address_string", "") or p.get("address_id", "")).strip()
    if not (lat and lng) and not address:
        raise Open311Error(400, "位置必填：请提供 lat 和 long，或 address_string")
    max_chars = int(rules.in_force("cases_defaults").value("description_max_chars"))
    description = p.get("description", "")
    if len(description) > max_chars:
        raise Open311Error(400, f"description 最长 {max_chars} 个字符")
    if not description.strip():
        raise Open311Error(400, "description 必填")
    attributes: dict[str, Any] = {}
    allowed = {a["code"]: a for a in cat.attributes}
    for name in p:
        if name.startswith("attribute[") and name.endswith("]"):
            attr = name[len("attribute[") : -1]
            if attr not in allowed:
                raise Open311Error(400, f"attribute[{attr}] 不是该服务的属性")
            values = p.getlist(name)
            keys = {v["key"] for v in allowed[attr].get("values", [])}
            if keys and any(v not in keys for v in values):
                raise Open311Error(400, f"attribute[{attr}] 的取值无效")
            attributes[attr] = values if len(values) > 1 else values[0]
    for attr, spec in allowed.items():
        if spec.get("required") and attr not in attributes:
            raise Open311Error(400, f"attribute[{attr}] 必填")
    media_url = p.get("media_url", "").strip()
    if media_url and not media_url.startswith(("http://", "https://")):
        raise Open311Error(400, "media_url 应为 http(s) 链接")
    intake = services.Intake(
        category=cat,
        description=description,
        region=key.region,
        lat=lat or None,
        lng=lng or None,
        address=address,
        published=True,
        channel=Channel.OPEN311,
        attributes=attributes,
        media_url=media_url,
        open311_key=key,
    )
    try:
        case = services.submit_case(actor=None, intake=intake)
    except DomainError as exc:
        raise Open311Error(400, f"{exc.field or '请求'}: {exc.message}") from None
    return _respond(
        fmt,
        [
            {
                "service_request_id": str(case.pk),
                "service_notice": "已受理上报，处理进展可通过 service_request_id 查询。",
                "account_id": "",
            }
        ],
        root="service_requests",
        item="request",
        status=201,
    )
