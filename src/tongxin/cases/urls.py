from django.urls import path

from tongxin.cases.views import case, handling, inbox, report, volunteers

app_name = "cases"

urlpatterns = [
    path("", report.mine, name="mine"),
    path("new/", report.new, name="new"),
    path("<int:pk>/", case.detail, name="detail"),
    path("<int:pk>/act/<slug:event>/", case.act, name="act"),
    path("photos/<int:pk>/", case.photo, name="photo"),
    path("queue/", handling.queue, name="queue"),
    path("overview/", handling.overview, name="overview"),
    path("overview/export.xlsx", handling.export_xlsx, name="export"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("services/", volunteers.services_home, name="services"),
    path("services/teams/new/", volunteers.team_create, name="team_create"),
    path("services/teams/<int:pk>/", volunteers.team, name="team"),
    path("services/records/new/", volunteers.record_create, name="record_create"),
    path("services/records/<int:pk>/confirm/", volunteers.record_confirm, name="record_confirm"),
]
