"""The JSON API under /api/v1/: one NinjaAPI, one error shape, each module adds its router."""

from __future__ import annotations

from typing import Any

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from tongxin.accounts.api import AUTH, LoginPolicyError
from tongxin.accounts.api import router as accounts_router
from tongxin.cases.api import router as cases_router
from tongxin.core.api import ErrorOut
from tongxin.core.errors import DomainError, NotFound
from tongxin.orgs.api import router as orgs_router
from tongxin.points.api import router as points_router
from tongxin.stars.api import router as stars_router

ERROR_CODES = (400, 401, 403, 404, 422)


class TongxinAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document says, for every operation, that it may answer with the common
    error shape (``ErrorOut``) — also where a module declared only its success response (schemathesis
    checks this). Done on the generated document through ninja's public ``get_openapi_schema``."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault(
            "ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        error = {
            "description": "错误：`{code, message, field}`",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        }
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                responses = operation.setdefault("responses", {})
                for code in ERROR_CODES:
                    responses.setdefault(str(code), error)
        return schema


api = TongxinAPI(
    title="同心 Tongxin API",
    version="1",
    description="基层党建与社区治理平台接口。鉴权：`Authorization: Bearer <token>`（`tongxin token create 用户名`）。"
    "错误统一为 `{code, message, field}`。",
    auth=AUTH,
    urls_namespace="api-v1",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, field: str | None = None
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "field": field}, status=status)


_PYDANTIC_MESSAGES = {
    "missing": "必填",
    "string_too_short": "不能为空",
    "string_too_long": "太长",
    "enum": "不是允许的取值",
    "int_parsing": "应为整数",
    "date_from_datetime_parsing": "应为日期（年-月-日）",
    "date_parsing": "应为日期（年-月-日）",
    "json_invalid": "不是有效的 JSON",
}


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first: dict[str, Any] = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", []) if p not in ("body", "payload", "query", "path", "filters")]
    field = ".".join(loc) or None
    kind = first.get("type", "")
    ctx = first.get("ctx") or {}
    bounds = {
        "less_than_equal": ("不能大于", "le"), "less_than": ("应小于", "lt"),
        "greater_than_equal": ("不能小于", "ge"), "greater_than": ("应大于", "gt"),
    }  # fmt: skip
    if kind in bounds and bounds[kind][1] in ctx:
        reason = f"{bounds[kind][0]}{ctx[bounds[kind][1]]}"
    elif kind == "string_too_long" and "max_length" in ctx:
        reason = f"太长（最多{ctx['max_length']}个字符）"
    elif kind == "too_long" and "max_length" in ctx:
        reason = f"太多（最多{ctx['max_length']}项）"
    elif kind == "too_short" and "min_length" in ctx:
        reason = f"太少（至少{ctx['min_length']}项）"
    else:
        reason = _PYDANTIC_MESSAGES.get(kind, "格式不正确")
    return _error(request, 422, "invalid", f"字段 {field or '请求'} {reason}。", field)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status = 404 if isinstance(exc, NotFound) else 400
    return _error(request, status, exc.code, exc.message, exc.field)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "未找到该记录，或您无权查看。")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "未登录或令牌无效。")


@api.exception_handler(LoginPolicyError)
def on_login_policy(request: HttpRequest, exc: LoginPolicyError) -> HttpResponse:
    return _error(request, 403, exc.refusal.code, exc.refusal.message)


@api.exception_handler(OverflowError)
def on_overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # A number too large for the database (e.g. an id of 30 digits) is bad input, not a server error.
    return _error(request, 422, "invalid", "数值超出允许范围。")


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    return _error(request, 422, "invalid", "数值或文本超出数据库允许的范围。")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "error", str(exc))


api.add_router("/", accounts_router)
api.add_router("/", orgs_router)
api.add_router("/points", points_router)
api.add_router("/cases", cases_router)
api.add_router("/stars", stars_router)
