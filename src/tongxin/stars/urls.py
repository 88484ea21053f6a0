from django.urls import path

from tongxin.stars.views import criteria, cycle, lists, supervision

app_name = "stars"

urlpatterns = [
    path("", cycle.home, name="home"),
    path("branch/<int:org_id>/", cycle.branch_current, name="branch_current"),
    path("branch/<int:org_id>/<int:year>/", cycle.branch, name="branch"),
    path("branch/<int:org_id>/<int:year>/declare/", cycle.declare, name="declare"),
    path("cycle/<int:pk>/indicator/<int:indicator_id>/", cycle.assess, name="assess"),
    path("cycle/<int:pk>/indicator/<int:indicator_id>/evidence/", cycle.evidence_add, name="evidence_add"),
    path(
        "cycle/<int:pk>/indicator/<int:indicator_id>/evidence/<int:evidence_id>/remove/",
        cycle.evidence_remove,
        name="evidence_remove",
    ),
    path("evidence/<int:pk>/file/", cycle.evidence_file, name="evidence_file"),
    path("cycle/<int:pk>/submit/", cycle.submit, name="submit"),
    path("cycle/<int:pk>/rate/", cycle.rate, name="rate"),
    path("cycle/<int:pk>/approve/", cycle.approve, name="approve"),
    path("cycle/<int:pk>/return/", cycle.return_back, name="return"),
    path("cycle/<int:pk>/finalise/", cycle.finalise, name="finalise"),
    path("cycle/<int:pk>/remove-star/", cycle.remove_star, name="remove_star"),
    path("queue/", cycle.queue, name="queue"),
    path("notice/", cycle.notice, name="notice"),
    path("notice/<int:pk>/object/", cycle.object_to, name="object"),
    path("objections/<int:pk>/resolve/", cycle.resolve, name="resolve"),
    path("lists/", lists.lists, name="lists"),
    path("weak/", lists.weak, name="weak"),
    path("weak/<int:pk>/lift/", lists.weak_lift, name="weak_lift"),
    path("pairings/<int:pk>/end/", lists.pairing_end, name="pairing_end"),
    path("county/", lists.county, name="county"),
    path("visits/", supervision.visits, name="visits"),
    path("visits/<int:pk>/", supervision.visit, name="visit"),
    path("tasks/", supervision.tasks, name="tasks"),
    path("tasks/<int:pk>/", supervision.task, name="task"),
    path("criteria/", criteria.criteria_list, name="criteria"),
    path("criteria/sample/", criteria.criteria_load_sample, name="criteria_load_sample"),
    path("criteria/<int:pk>/", criteria.criteria_detail, name="criteria_detail"),
    path("criteria/<int:pk>/download/", criteria.criteria_download, name="criteria_download"),
]
