from django.urls import path

from tongxin.orgs import views

app_name = "orgs"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("regions/<int:pk>/children/", views.region_children, name="region_children"),
    path("orgs/", views.org_list, name="org_list"),
    path("orgs/new/", views.org_create, name="org_create"),
    path("orgs/<int:pk>/", views.org_detail, name="org_detail"),
    path("orgs/<int:pk>/edit/", views.org_update, name="org_update"),
]
