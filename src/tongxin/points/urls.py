from django.urls import path

from tongxin.points.views import boards, claims, home, ledger, me, schemes, shop

app_name = "points"

urlpatterns = [
    path("", home.home, name="home"),
    path("me/", me.my_points, name="me"),
    path("me/claim/", me.self_claim, name="self_claim"),
    path("links/", home.links, name="links"),
    path("schemes/", schemes.scheme_list, name="scheme_list"),
    path("schemes/new/", schemes.scheme_create, name="scheme_create"),
    path("schemes/<int:pk>/", schemes.scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/version/", schemes.scheme_version, name="scheme_version"),
    path("claims/", claims.claim_list, name="claim_list"),
    path("claims/new/", claims.claim_create, name="claim_create"),
    path("claims/<int:pk>/", claims.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/photo/", claims.claim_photo, name="claim_photo"),
    path("claims/<int:pk>/approve/", claims.claim_approve, name="claim_approve"),
    path("claims/<int:pk>/reject/", claims.claim_reject, name="claim_reject"),
    path("notice/", claims.notice, name="notice"),
    path("notice/<int:line_pk>/object/", claims.objection_raise, name="objection_raise"),
    path("objections/", claims.objection_list, name="objection_list"),
    path("objections/<int:pk>/decide/", claims.objection_decide, name="objection_decide"),
    path("ledger/", ledger.ledger_list, name="ledger_list"),
    path("ledger/export.xlsx", ledger.ledger_export, name="ledger_export"),
    path("ledger/<int:pk>/", ledger.entry_detail, name="entry_detail"),
    path("ledger/<int:pk>/reverse/", ledger.entry_reverse, name="entry_reverse"),
    path("boards/", boards.board, name="board"),
    path("boards/export.xlsx", boards.board_export, name="board_export"),
    path("boards/publish/", boards.board_publish, name="board_publish"),
    path("boards/published/", boards.published_list, name="published_list"),
    path("boards/published/<int:pk>/nominations.xlsx", boards.nominations_export, name="nominations_export"),
    path("public/boards/<str:token>/", boards.public_board, name="public_board"),
    path("public/boards/<str:token>/verify/", boards.public_verify, name="public_verify"),
    path("shop/", shop.shop, name="shop"),
    path("shop/goods/new/", shop.goods_create, name="goods_create"),
    path("shop/goods/<int:pk>/", shop.goods_redeem, name="goods_redeem"),
    path("shop/goods/<int:pk>/restock/", shop.goods_restock, name="goods_restock"),
    path("shop/report/", shop.shop_report, name="shop_report"),
    path("shop/report.xlsx", shop.shop_report_export, name="shop_report_export"),
]
