"""The page helpers every app shares (core/views.py)."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory

from tongxin.core import views
from tongxin.core.errors import DomainError


class _Form(forms.Form):
    name = forms.CharField()


def test_it_puts_a_domain_error_on_the_field_it_names_else_on_top() -> None:
    form = _Form(data={"name": "x"})
    form.is_valid()
    views.form_error(form, DomainError("名称重复", field="name"))
    views.form_error(form, DomainError("其他原因", field="nope"))
    assert form.errors["name"] == ["名称重复"]
    assert form.non_field_errors() == ["其他原因"]


def test_it_does_not_repeat_the_label_the_page_shows_before_a_field_error() -> None:
    class PhotoForm(forms.Form):
        photo = forms.FileField(label="现场照片", required=False)

    form = PhotoForm(data={})
    form.is_valid()
    views.form_error(form, DomainError("现场照片：文件超过 10 MB，请压缩后重新上传。", field="photo"))
    assert form.errors["photo"] == ["文件超过 10 MB，请压缩后重新上传。"]


def test_it_answers_404_to_anonymous_users() -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(Http404):
        views.user_with(request, "points.view")


def test_it_detects_htmx_only_from_its_header() -> None:
    rf = RequestFactory()
    assert views.is_htmx(rf.get("/", headers={"HX-Request": "true"}))
    assert not views.is_htmx(rf.get("/"))


def test_a_download_keeps_its_chinese_name_and_is_an_attachment() -> None:
    response = views.file_response(b"x", "积分榜.pdf", views.PDF)
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E7%A7%AF%E5%88%86%E6%A6%9C.pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_an_excel_download_is_stamped_with_the_local_date() -> None:
    response = views.xlsx_file(b"x", "名单")
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''%E5%90%8D%E5%8D%95-20")
    assert response["Content-Disposition"].endswith(".xlsx")


def test_a_qr_code_is_inline_svg() -> None:
    assert views.qr_svg("https://example.org/b/1").lstrip().startswith("<?xml")
