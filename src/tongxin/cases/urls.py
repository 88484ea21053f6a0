from django.urls import path

from tongxin.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<slug:event>/", views.act, name="act"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("queue/", views.queue, name="queue"),
    path("overview/", views.overview, name="overview"),
    path("overview/export.xlsx", views.export_xlsx, name="export"),
    path("inbox/", views.inbox, name="inbox"),
    path("services/", views.services_home, name="services"),
    path("services/teams/new/", views.team_create, name="team_create"),
    path("services/teams/<int:pk>/", views.team, name="team"),
    path("services/records/new/", views.record_create, name="record_create"),
]
