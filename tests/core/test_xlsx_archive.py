"""``core.xlsx.check_xlsx_archive``: the zip-bomb guard every .xlsx import calls before openpyxl."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from tongxin.core.errors import DomainError
from tongxin.core.xlsx import check_xlsx_archive


def _workbook() -> bytes:
    wb = Workbook()
    wb.active.append(["姓名", "身份证号码"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _archive(members: dict[str, int]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, size in members.items():
            archive.writestr(name, b" " * size)
    return buf.getvalue()


def test_it_accepts_an_ordinary_workbook() -> None:
    check_xlsx_archive(_workbook())


def test_it_refuses_an_archive_that_unzips_beyond_the_limit_naming_the_sizes() -> None:
    data = _archive({"xl/worksheets/sheet1.xml": 3 * 1024 * 1024})
    assert len(data) < 50_000
    with pytest.raises(DomainError) as exc:
        check_xlsx_archive(data, max_unzipped=2 * 1024 * 1024)
    assert exc.value.field == "file"
    assert "解压后约3 MB" in exc.value.message and "2 MB" in exc.value.message
    check_xlsx_archive(data, max_unzipped=4 * 1024 * 1024)


def test_it_refuses_an_archive_with_too_many_parts() -> None:
    data = _archive({f"xl/part{i}.xml": 1 for i in range(30)})
    with pytest.raises(DomainError) as exc:
        check_xlsx_archive(data, max_entries=20)
    assert "30个部件" in exc.value.message


def test_it_refuses_a_file_that_is_not_a_zip_archive_in_chinese() -> None:
    with pytest.raises(DomainError) as exc:
        check_xlsx_archive(b"name,id\n")
    assert "xlsx" in exc.value.message and exc.value.field == "file"
