"""Open311 GeoReport v2 under ``/open311/v2/`` (http://wiki.open311.org/GeoReport_v2), JSON and XML.

Privacy by default, as FixMyStreet does: only grid reports of public categories that are marked public
are listed; appeals (personal matters) never; no reporter identity; coordinates rounded to about 100 m
(rule ``cases_defaults.public_coordinate_decimals``) and the place given as the village or community,
not the typed street address. Errors use the specification's format: ``[{"code", "description"}]``.

Hardened for the open Internet: control characters are removed from what is stored and from what is
rendered (one bad description must not make ``requests.xml`` unparsable for everyone); dates and ids out
of range answer 400; requests are rate-limited per IP and, for POST, per api_key (429, rule
``cases_defaults.open311_rate_limits``); a POST repeating the same content from the same client within the
rule's window is answered with the first request's id instead of filing a second case.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tongxin.accounts.system import SYSTEM
from tongxin.cases import ratelimit, selectors, services
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


# Characters XML 1.0 cannot carry (C0 controls other than tab, LF, CR; U+FFFE/U+FFFF; lone surrogates).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only (str.isdigit() also accepts "²" and "１")
_EARLIEST, _LATEST = 1970, 2999


def _xml_value(parent: ET.Element, key: str, value: Any) -> None:
    el = ET.SubElement(parent, key)
    if isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is not None:
        el.text = _NOT_XML.sub("", str(value))


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
        "description": pii.redact_text(services.clean_text(case.description)),
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


# --- rate limits ---------------------------------------------------------------------------------


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a forwarded-for header is the client's word (nginx sets REMOTE_ADDR via realip).
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _limits() -> dict[str, int]:
    return {k: int(v) for k, v in rules.in_force("cases_defaults").value("open311_rate_limits").items()}


def _too_many(fmt: str) -> HttpResponse:
    response = _error(fmt, 429, "请求过于频繁，请稍后再试")
    response["Retry-After"] = "60"
    return response


def limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Per-IP limit on every Open311 endpoint (GET and POST counted apart); 429 in the spec's format."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        fmt = _fmt(fmt)
        post = request.method == "POST"
        limit = _limits()["post_per_ip" if post else "get_per_ip"]
        if not ratelimit.hit(f"o311:{'post' if post else 'get'}:ip:{_client_ip(request)}", limit=limit):
            return _too_many(fmt)
        return view(request, *args, fmt=fmt, **kwargs)

    return wrapper


# --- endpoints ---------------------------------------------------------------------------------


@limited
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


@limited
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    fmt = _fmt(fmt)
    return _respond(fmt, [_service(c) for c in _published_categories()], root="services", item="service")


@limited
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
@limited
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    fmt = _fmt(fmt)
    try:
        if request.method == "POST":
            return _create(request, fmt)
        return _respond(fmt, [_request(c) for c in _query(request)], root="service_requests", item="request")
    except Open311Error as exc:
        return _error(fmt, exc.status, exc.description)


@limited
def request_detail(request: HttpRequest, pk: str, fmt: str) -> HttpResponse:
    fmt = _fmt(fmt)
    if not _ID.fullmatch(pk):
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
    if not _EARLIEST <= dt.year <= _LATEST:
        raise Open311Error(400, f"{name} 超出范围：年份应在 {_EARLIEST} 到 {_LATEST} 之间")
    return dt if dt.tzinfo else timezone.make_aware(dt)


def _query(request: HttpRequest) -> list[Case]:
    rs = rules.in_force("cases_defaults")
    qs = selectors.published_cases().select_related("region")
    g = request.GET
    ids = [p.strip() for p in g.get("service_request_id", "").split(",") if p.strip()]
    if ids:
        if not all(_ID.fullmatch(p) for p in ids):
            raise Open311Error(400, "service_request_id 应为以逗号分隔的编号（每个最多18位数字）")
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
    if not ratelimit.hit(f"o311:post:key:{key.pk}", limit=_limits()["post_per_key"]):
        raise Open311Error(429, "该 api_key 提交过于频繁，请稍后再试")
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
    description = services.clean_text(p.get("description", ""))
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
    media_url = services.clean_text(p.get("media_url", ""))
    if media_url and not media_url.startswith(("http://", "https://")):
        raise Open311Error(400, "media_url 应为 http(s) 链接")
    digest = _digest(request, key.pk, code, description, lat, lng, address, attributes, media_url)
    window = int(rules.in_force("cases_defaults").value("open311_duplicate_window_minutes"))
    first = selectors.recent_submission(digest, since=timezone.now() - timedelta(minutes=window))
    if first is not None:
        return _accepted(fmt, first, repeated=True)
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
        submission_digest=digest,
    )
    try:
        case = services.submit_case(actor=SYSTEM, intake=intake)
    except DomainError as exc:
        raise Open311Error(400, f"{exc.field or '请求'}: {exc.message}") from None
    return _accepted(fmt, case.pk, repeated=False)


def _digest(request: HttpRequest, key_id: int, *parts: Any) -> str:
    """The same client (api_key and IP) sending the same content."""
    text = json.dumps([key_id, _client_ip(request), *parts], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _accepted(fmt: str, case_id: int, *, repeated: bool) -> HttpResponse:
    notice = (
        "重复提交：与刚才的请求内容相同，返回首次请求的编号。"
        if repeated
        else "已受理上报，处理进展可通过 service_request_id 查询。"
    )
    return _respond(
        fmt,
        [{"service_request_id": str(case_id), "service_notice": notice, "account_id": ""}],
        root="service_requests",
        item="request",
        status=200 if repeated else 201,
    )
