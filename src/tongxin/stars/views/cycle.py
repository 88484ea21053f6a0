"""The branch's star page, the self-assessment, the review queues, and the public notice."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tongxin.accounts.models import User
from tongxin.core import uploads
from tongxin.core.errors import DomainError
from tongxin.core.views import is_htmx, user_with
from tongxin.stars import selectors, services
from tongxin.stars.assessment import evaluate
from tongxin.stars.forms import (
    DeclareForm,
    ObjectionForm,
    ReasonForm,
    RemoveStarForm,
    ResolveForm,
    StarsDecisionForm,
)
from tongxin.stars.models import Evidence, StarCycle, StarResult
from tongxin.stars.selectors import APPROVE, RATE, SELF_ASSESS, SUPERVISE, VIEW
from tongxin.stars.services.access import may
from tongxin.stars.views.params import year_param


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = user_with(request, VIEW)
    year = year_param(request)
    mine = list(selectors.branches_for(user, SELF_ASSESS)[:20])
    cycles = selectors.cycles_of(mine, year)
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.cycles_for(user, VIEW, year=year, q=q), 50).get_page(request.GET.get("page"))
    queue = {k: v.count() for k, v in selectors.review_queue(user).items()}
    my_tasks = selectors.tasks_for(user, VIEW, mine=True).exclude(state="verified").count()
    return render(
        request,
        "stars/home.html",
        {
            "year": year,
            "mine": [(org, cycles.get(org.pk)) for org in mine],
            "page": page,
            "q": q,
            "query": f"year={year}&q={q}",
            "queue": queue,
            "my_tasks": my_tasks,
            "can_county": user.has_perm_anywhere(APPROVE) or user.has_perm_anywhere(SUPERVISE),
            "can_supervise": user.has_perm_anywhere(SUPERVISE),
        },
    )


def _star_choices(cycle: StarCycle) -> list[tuple[str, str]]:
    return [(s.code, s.name) for s in cycle.criteria_set.stars.all()]


def _branch_context(request: HttpRequest, user: User, org_id: int, year: int) -> dict[str, object]:
    org = selectors.branch_for(user, org_id)
    cycle = selectors.cycle_of(org, year)
    paths = {"region_path": org.region_path, "org_path": org.path}
    ctx: dict[str, object] = {
        "org": org,
        "year": year,
        "years": sorted(set(selectors.years_of(org)) | {selectors.this_year()}, reverse=True),
        "cycle": cycle,
        "can_self_assess": may(user, SELF_ASSESS, **paths),
        "can_rate": may(user, RATE, region_path=org.region_path),
        "can_approve": may(user, APPROVE, region_path=org.region_path),
    }
    if cycle is None:
        ctx["declare_form"] = DeclareForm()
        return ctx
    evaluation = evaluate(cycle, now=timezone.now())
    results = list(cycle.results.select_related("actor").order_by("id"))
    latest = {r.stage: r for r in results}
    editable = cycle.state == StarCycle.State.SELF_ASSESSING and ctx["can_self_assess"]
    star_names = dict(_star_choices(cycle))
    ctx.update(
        {
            "evaluation": evaluation,
            "results": results,
            "transitions": cycle.transitions.select_related("actor").order_by("id"),
            "objections": cycle.objections.order_by("id"),
            "editable": editable,
            "star_names": star_names,
            "event_labels": services.EVENT_LABELS,
            "declare_form": DeclareForm(initial={"target_stars": cycle.target_stars}),
        }
    )
    if editable:
        ctx["candidates"] = selectors.evidence_candidates(user, cycle.region)
    initial_stars = None
    if cycle.state == StarCycle.State.SUBMITTED and latest.get("self"):
        initial_stars = latest["self"].stars
    elif cycle.state == StarCycle.State.TOWNSHIP_RATED and latest.get("township"):
        initial_stars = latest["township"].stars
    if initial_stars is not None:
        ctx["decision_form"] = StarsDecisionForm(
            star_choices=_star_choices(cycle), initial={"stars": initial_stars}
        )
        ctx["return_form"] = ReasonForm()
    last_final = services.latest_result(cycle, StarResult.Stage.FINAL, StarResult.Stage.REMOVAL)
    if cycle.state == StarCycle.State.FINAL and last_final is not None:
        ctx["remove_form"] = RemoveStarForm(
            star_choices=[(c, star_names.get(c, c)) for c in last_final.stars]
        )
    return ctx


@login_required
def branch(request: HttpRequest, org_id: int, year: int) -> HttpResponse:
    user = user_with(request, VIEW)
    return render(request, "stars/branch.html", _branch_context(request, user, org_id, year))


@login_required
def branch_current(request: HttpRequest, org_id: int) -> HttpResponse:
    user_with(request, VIEW)
    return redirect("stars:branch", org_id=org_id, year=selectors.this_year())


@login_required
@require_POST
def declare(request: HttpRequest, org_id: int, year: int) -> HttpResponse:
    user = user_with(request, SELF_ASSESS)
    org = selectors.branch_for(user, org_id, SELF_ASSESS)
    form = DeclareForm(request.POST)
    if form.is_valid():
        try:
            services.declare_target(
                actor=user, org=org, year=year, target_stars=form.cleaned_data["target_stars"],
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已申报{year}年目标：{form.cleaned_data['target_stars']}星。")
    else:
        messages.error(request, "目标星级：请选择。")
    return redirect("stars:branch", org_id=org.pk, year=year)


def _row_response(request: HttpRequest, user: User, cycle: StarCycle, indicator_id: int) -> HttpResponse:
    """After a change to one indicator: htmx gets the page again (its assessment block is swapped,
    so the star shares and the level preview follow); a plain form post is redirected."""
    if is_htmx(request):
        ctx = _branch_context(request, user, cycle.org_id, cycle.year)
        ctx.update({"htmx": True, "open_indicator": indicator_id})
        return render(request, "stars/branch.html", ctx)
    return redirect(f"{cycle_url(cycle)}#ind-{indicator_id}")


def cycle_url(cycle: StarCycle) -> str:
    return reverse("stars:branch", kwargs={"org_id": cycle.org_id, "year": cycle.year})


@login_required
@require_POST
def assess(request: HttpRequest, pk: int, indicator_id: int) -> HttpResponse:
    user = user_with(request, SELF_ASSESS)
    cycle = selectors.cycle_for(user, pk, SELF_ASSESS)
    met_raw = request.POST.get("met", "")
    score_raw = request.POST.get("score", "").strip()
    try:
        score = int(score_raw) if score_raw else None
    except ValueError:
        messages.error(request, "得分：应为整数。")
        return _row_response(request, user, cycle, indicator_id)
    try:
        services.assess_indicator(
            actor=user,
            cycle=cycle,
            indicator_id=indicator_id,
            met={"1": True, "0": False}.get(met_raw),
            score=score,
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存。")
    return _row_response(request, user, cycle, indicator_id)


@login_required
@require_POST
def evidence_add(request: HttpRequest, pk: int, indicator_id: int) -> HttpResponse:
    """Attach evidence to an indicator: an existing record (points board, case, finding), evidence
    already on file for the village, or a newly uploaded file."""
    user = user_with(request, SELF_ASSESS)
    cycle = selectors.cycle_for(user, pk, SELF_ASSESS)
    choice = request.POST.get("choice", "")
    try:
        if request.FILES.get("file"):
            upload = request.FILES["file"]
            assert not isinstance(upload, list)
            # One write: a refused attach keeps neither the evidence row nor the file.
            evidence = services.upload_and_attach(
                actor=user,
                cycle=cycle,
                indicator_id=indicator_id,
                file=upload,
                label=request.POST.get("label", ""),
            )
        else:
            if choice.startswith("ev:"):
                evidence = selectors.evidence_for(user, int(choice[3:]))
            elif ":" in choice:
                kind, ref_id = choice.split(":", 1)
                evidence = services.link_record(actor=user, region=cycle.region, kind=kind, ref_id=ref_id)
            else:
                raise DomainError("请选择一份佐证材料，或上传文件。", field="choice")
            services.attach_evidence(actor=user, cycle=cycle, indicator_id=indicator_id, evidence=evidence)
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "佐证材料：选择无效。"))
    else:
        messages.success(request, f"已添加佐证：{evidence.label}")
    return _row_response(request, user, cycle, indicator_id)


@login_required
@require_POST
def evidence_remove(request: HttpRequest, pk: int, indicator_id: int, evidence_id: int) -> HttpResponse:
    user = user_with(request, SELF_ASSESS)
    cycle = selectors.cycle_for(user, pk, SELF_ASSESS)
    evidence = selectors.evidence_for(user, evidence_id)
    try:
        services.detach_evidence(actor=user, cycle=cycle, indicator_id=indicator_id, evidence=evidence)
    except DomainError as exc:
        messages.error(request, exc.message)
    return _row_response(request, user, cycle, indicator_id)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, SELF_ASSESS)
    cycle = selectors.cycle_for(user, pk, SELF_ASSESS)
    try:
        services.submit_self_assessment(actor=user, cycle=cycle)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "自评已提交乡镇（街道）初评。")
    return redirect(cycle_url(cycle))


def _decide(request: HttpRequest, pk: int, perm: str, action: str) -> HttpResponse:
    user = user_with(request, perm)
    cycle = selectors.cycle_for(user, pk, perm)
    form = StarsDecisionForm(request.POST, star_choices=_star_choices(cycle))
    if not form.is_valid():
        messages.error(request, "评定的星：选择无效。")
        return redirect(cycle_url(cycle))
    fn = services.rate_cycle if action == "rate" else services.approve_cycle
    try:
        cycle = fn(
            actor=user, cycle=cycle, stars=form.cleaned_data["stars"], reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, f"{'理由' if exc.field == 'reason' else '评定'}：{exc.message}")
    else:
        if action == "rate":
            messages.success(request, "已完成乡镇初评，报县级审定。")
        else:
            messages.success(request, f"已审定，公示至 {cycle.notice_ends_on:%Y年%-m月%-d日}。")
    return redirect(cycle_url(cycle))


@login_required
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, RATE, "rate")


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, APPROVE, "approve")


@login_required
@require_POST
def return_back(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, VIEW)
    cycle = selectors.cycle_for(user, pk, VIEW)
    perm = RATE if cycle.state == StarCycle.State.SUBMITTED else APPROVE
    cycle = selectors.cycle_for(user, pk, perm)
    try:
        services.return_cycle(actor=user, cycle=cycle, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已退回。")
    return redirect(cycle_url(cycle))


@login_required
@require_POST
def finalise(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, APPROVE)
    cycle = selectors.cycle_for(user, pk, APPROVE)
    try:
        services.finalise_cycle(actor=user, cycle=cycle)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已确定星级。")
    return redirect(cycle_url(cycle))


@login_required
@require_POST
def remove_star(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, APPROVE)
    cycle = selectors.cycle_for(user, pk, APPROVE)
    try:
        services.remove_star(
            actor=user,
            cycle=cycle,
            star_code=request.POST.get("star_code", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已摘星。")
    return redirect(cycle_url(cycle))


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = user_with(request, VIEW)
    q = selectors.review_queue(user)
    if not q:
        raise Http404("未找到该页面，或您无权查看。")
    return render(
        request,
        "stars/queue.html",
        {
            "rate": list(q["rate"][:200]) if "rate" in q else None,
            "approve": list(q["approve"][:200]) if "approve" in q else None,
            "notice": list(q["notice"][:200]) if "notice" in q else None,
            "objections": list(q["objections"][:200]) if "objections" in q else None,
            "resolve_form": ResolveForm(),
        },
    )


@login_required
def notice(request: HttpRequest) -> HttpResponse:
    """公示: readable by every logged-in person; anyone may object with a reason."""
    cycles = list(selectors.notice_cycles()[:500])
    results, names = selectors.notice_results(cycles)
    rows = [(c, results.get(c.pk)) for c in cycles]
    return render(request, "stars/notice.html", {"rows": rows, "names": names, "form": ObjectionForm()})


@login_required
@require_POST
def object_to(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request)  # any logged-in person may object during the notice
    cycle = selectors.notice_cycle(pk)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            services.raise_objection(actor=user, cycle=cycle, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已收到您对{cycle.org.name}的异议，县级将核实处理。")
    else:
        messages.error(request, "异议理由：请填写。")
    return redirect("stars:notice")


@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, APPROVE)
    objection = selectors.objection_for(user, pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.resolve_objection(
                actor=user, objection=objection, upheld=form.cleaned_data["upheld"],
                resolution=form.cleaned_data["resolution"],
            )  # fmt: skip
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "异议已处理。")
    else:
        messages.error(request, "处理意见：请填写。")
    return redirect("stars:queue")


@login_required
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    """An uploaded evidence file, to those who may see the village's star work (else 404): always an
    attachment, typed by its content, never sniffed (core.uploads.serve)."""
    user = user_with(request, VIEW)
    evidence = selectors.evidence_for(user, pk)
    if evidence.kind != Evidence.Kind.FILE or not evidence.file:
        raise Http404("未找到该文件。")
    return uploads.serve(evidence.file, filename=evidence.label)
