from django.urls import path

from tongxin.orgs.views import orgs, people, reports, units

app_name = "orgs"

urlpatterns = [
    path("", orgs.tree, name="tree"),
    path("regions/<int:pk>/children/", orgs.region_children, name="region_children"),
    path("orgs/", orgs.org_list, name="org_list"),
    path("orgs/new/", orgs.org_create, name="org_create"),
    path("orgs/<int:pk>/", orgs.org_detail, name="org_detail"),
    path("orgs/<int:pk>/children/", orgs.org_children, name="org_children"),
    path("orgs/<int:pk>/edit/", orgs.org_update, name="org_update"),
    path("orgs/<int:pk>/move/", orgs.org_move, name="org_move"),
    path("orgs/<int:pk>/units/", orgs.org_units, name="org_units"),
    path("orgs/<int:pk>/committee/", orgs.committee_add, name="committee_add"),
    path("committee/<int:pk>/end/", orgs.committee_end, name="committee_end"),
    path("units/", units.unit_list, name="unit_list"),
    path("units/new/", units.unit_create, name="unit_create"),
    path("units/<int:pk>/", units.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", units.unit_update, name="unit_update"),
    path("units/<int:pk>/instructor/", units.unit_instructor, name="unit_instructor"),
    path("set-up/", units.set_up, name="set_up"),
    path("people/", people.person_list, name="person_list"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", people.person_update, name="person_update"),
    path("people/<int:pk>/reveal/", people.person_reveal, name="person_reveal"),
    path("people/<int:pk>/apply/", people.person_apply, name="person_apply"),
    path("people/<int:pk>/membership/", people.person_membership, name="person_membership"),
    path("people/<int:pk>/merge/", people.person_merge, name="person_merge"),
    path("memberships/<int:pk>/transfer/", people.transfer_start, name="transfer_start"),
    path("transfers/", people.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/advance/", people.transfer_advance, name="transfer_advance"),
    path("coverage/", reports.coverage_page, name="coverage"),
    path("findings/", reports.findings_list, name="findings"),
    path("rules/", reports.rules_page, name="rules"),
    path("import/", reports.import_page, name="import"),
    path("import/template/<str:kind>/", reports.import_template, name="import_template"),
]
