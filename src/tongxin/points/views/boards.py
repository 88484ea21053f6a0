"""Boards: the live board of a region and period, publishing, exports and the public pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from tongxin.accounts.models import User
from tongxin.core import rules
from tongxin.core.errors import DomainError
from tongxin.core.views import form_error, qr_svg, user_with
from tongxin.points import access, periods, selectors, services
from tongxin.points.exports import workbook_response
from tongxin.points.forms import BoardForm, PublishForm
from tongxin.points.models import PublishedBoard

# Published boards are immutable; a day bounds the cache for a board whose region was renamed.
PUBLIC_CACHE_SECONDS = 24 * 3600


def _board_form(request: HttpRequest, user: User) -> BoardForm:
    regions = selectors.regions_for(user)
    first = regions.first()
    data = request.GET if request.GET.get("region") else None
    initial = {
        "region": first.pk if first else None,
        "period": periods.of_kind(
            rules.in_force("points_defaults").value("board_period"), timezone.localdate()
        ),
        "by": PublishedBoard.By.PERSON,
        "audience": PublishedBoard.Audience.ALL,
    }
    return BoardForm(data, regions=regions, initial=initial)


def _params(form: BoardForm) -> dict[str, Any] | None:
    if form.is_bound:
        return form.cleaned_data if form.is_valid() else None
    region = form.fields["region"].queryset.filter(pk=form.initial["region"]).first()  # type: ignore[attr-defined]
    return None if region is None else {**form.initial, "region": region}


@login_required
def board(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.VIEW)
    form = _board_form(request, user)
    params = _params(form)
    size = int(rules.in_force("points_defaults").value("board_size"))
    rows: list[dict[str, Any]] = []
    can_publish = False
    if params:
        rows = selectors.board_rows(
            region=params["region"],
            period=params["period"],
            by=params["by"],
            audience=params["audience"],
            size=size,
        )
        can_publish = access.may(user, access.MANAGE, params["region"].path) and user.has_perm_anywhere(
            access.MANAGE
        )
    return render(
        request,
        "points/board.html",
        {
            "form": form,
            "params": params,
            "period_label": periods.label(params["period"]) if params else "",
            "rows": rows,
            "can_publish": can_publish,
            "publish_form": PublishForm(initial={"name_style": "full", "size": size}),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def board_export(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.VIEW)
    form = _board_form(request, user)
    params = _params(form)
    if not params:
        messages.error(request, "请先选择区划和周期。")
        return redirect("points:board")
    rows = selectors.board_rows(
        region=params["region"],
        period=params["period"],
        by=params["by"],
        audience=params["audience"],
        size=500,
    )
    title = f"{params['region'].name}{periods.label(params['period'])}积分榜"
    return workbook_response(
        filename=f"{title}.xlsx", title=title, headers=["名次", "姓名", "积分"],
        rows=((r["rank"], r["name"], r["points"]) for r in rows),
    )  # fmt: skip


@login_required
@require_POST
def board_publish(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.MANAGE)
    form = BoardForm(request.POST, regions=selectors.regions_for(user, access.MANAGE))
    publish = PublishForm(request.POST)
    if not (form.is_valid() and publish.is_valid()):
        errors = [f"{form.fields[f].label if f in form.fields else publish.fields[f].label}：{e[0]}"
                  for f, e in {**form.errors, **publish.errors}.items() if f in form.fields or f in publish.fields]  # fmt: skip
        messages.error(request, "；".join(errors) or "请检查输入。")
        return redirect("points:board")
    d, p = form.cleaned_data, publish.cleaned_data
    try:
        published = services.publish_board(
            actor=user, region=d["region"], period=d["period"], by=d["by"], audience=d["audience"],
            name_style=p["name_style"], size=p["size"], title=p["title"],
        )  # fmt: skip
    except DomainError as exc:
        form_error(form, exc)
        messages.error(request, exc.message)
        return redirect("points:board")
    messages.success(request, f"已发布“{published.title}”。")
    return redirect("points:published_list")


@login_required
def published_list(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.VIEW)
    return render(
        request,
        "points/published_list.html",
        {
            "boards": selectors.boards_for(user)[:100],
            "top_n": rules.in_force("points_defaults").value("nomination_top_n"),
        },
    )


@login_required
def nominations_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The top N of a published board as a nomination list; people decide, nothing is automatic."""
    user = user_with(request, access.VIEW)
    published = selectors.board_for(user, pk)
    raw = request.GET.get("n", "")
    listed = selectors.nominations(published, int(raw) if raw.isdigit() and 0 < int(raw) <= 500 else None)
    return workbook_response(
        filename=f"推荐名单-{published.title}.xlsx",
        title="评先推荐名单（供研究决定）",
        headers=["名次", "姓名", "积分"],
        rows=((r["rank"], r["name"], r["points"]) for r in listed.rows),
        notes=[
            f"来源：{published.title}（{published.published_at:%Y-%m-%d} 发布），前{listed.top}名（并列者均列入）。",
            f"依据：{listed.basis}。{listed.note}",
        ],
    )


def public_board(request: HttpRequest, token: str) -> HttpResponse:
    """The published board for the wall, a big screen or a phone. No login; names and points only.

    A published board never changes, so its page is rendered once per host and display mode and then
    served from the cache (it is the page a whole village opens from the QR code on the wall)."""
    screen = request.GET.get("screen") == "1"
    key = f"points:public-board:{token}:{request.get_host()}:{int(screen)}"
    html = cache.get(key)
    if html is None:
        published = selectors.public_board(token)
        verify_url = request.build_absolute_uri(published.get_verify_url())
        html = render_to_string(
            "points/public_board.html",
            {
                "board": published,
                "period_label": periods.label(published.period),
                "qr_svg": qr_svg(verify_url),
                "verify_url": verify_url,
                "screen": screen,
            },
        )
        cache.set(key, html, PUBLIC_CACHE_SECONDS)
    return HttpResponse(html)


def public_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone can check a published board against the ledger: the chains up to the recorded heads
    and the board recomputed from the entries."""
    published = selectors.public_board(token)
    check = selectors.verify_board(published)
    return render(
        request,
        "points/public_verify.html",
        {"board": published, "check": check, "period_label": periods.label(published.period)},
    )
