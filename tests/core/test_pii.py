from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.factories import World
from tongxin.accounts.system import SYSTEM
from tongxin.core import pii
from tongxin.orgs import services

# Real check-digit cases (GB 11643-1999): the well-known sample 11010519491231002X ends in X;
# 410823199001011234 is built for the Wuzhi county prefix and its check digit computed by hand:
# sum = 4*7+1*9+0*10+8*5+2*8+3*4+1*2+9*1+9*6+0*3+0*7+1*9+0*10+1*5+1*8+2*4+3*2 = 206, 206 mod 11 = 8 -> '4'.


def test_valid_id_with_x_check_character() -> None:
    assert pii.normalise_id_card("11010519491231002x") == "11010519491231002X"


def test_valid_id_with_digit_check() -> None:
    assert pii.id_check_char("41082319900101123") == "4"
    assert pii.normalise_id_card(" 410823199001011234 ") == "410823199001011234"


def test_wrong_check_digit_is_refused_with_a_chinese_reason() -> None:
    with pytest.raises(ValidationError) as exc:
        pii.normalise_id_card("410823199001011235")
    assert exc.value.code == "id_check"
    assert "校验位" in exc.value.messages[0]


def test_impossible_birth_date() -> None:
    bad = "41082319900230123"  # 30 February
    with pytest.raises(ValidationError) as exc:
        pii.normalise_id_card(bad + pii.id_check_char(bad))
    assert exc.value.code == "id_birth"


def test_future_birth_date() -> None:
    body = "41082320990101123"
    with pytest.raises(ValidationError) as exc:
        pii.normalise_id_card(body + pii.id_check_char(body), today=date(2026, 11, 29))
    assert exc.value.code == "id_birth"


def test_unknown_region_prefix() -> None:
    body = "99082319900101123"
    with pytest.raises(ValidationError) as exc:
        pii.normalise_id_card(body + pii.id_check_char(body))
    assert exc.value.code == "id_region"


@pytest.mark.parametrize("value", ["", "12345", "4108231990010112345", "41082319900101123Y"])
def test_malformed(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        pii.normalise_id_card(value)
    assert exc.value.code == "id_format"


def test_mobile_numbers() -> None:
    assert pii.normalise_mobile("+86 138-0000-5678") == "13800005678"
    with pytest.raises(ValidationError):
        pii.normalise_mobile("12800005678")


def test_masks() -> None:
    assert pii.mask_id_card("410823199001011235") == "410***********1235"
    assert pii.mask_mobile("13800005678") == "138****5678"


def test_encryption_round_trip_and_keyed_hash() -> None:
    token = pii.encrypt("410823199001011235")
    assert "410823" not in token
    assert pii.decrypt(token) == "410823199001011235"
    assert pii.lookup_hash("13800005678") == pii.lookup_hash("13800005678")
    assert pii.lookup_hash("13800005678") != pii.lookup_hash("13800005679")


def test_audit_values_are_masked() -> None:
    masked = pii.mask_sensitive(
        {"mobile": "13800005678", "password": "x", "id_card_hash": "abc", "name": "张三"}
    )
    assert masked == {"mobile": "138****5678", "password": "******", "name": "张三"}


@pytest.mark.django_db
def test_person_id_is_encrypted_at_rest(world: World) -> None:
    person = services.create_person(
        actor=SYSTEM, name="张三", region=world.village_a1, id_card="410823199001011234", mobile="13800005678"
    )
    with connection.cursor() as cur:
        cur.execute("SELECT id_card, mobile FROM orgs_person WHERE id = %s", [person.pk])
        raw_id, raw_mobile = cur.fetchone()
    assert "410823199001011234" not in raw_id and "13800005678" not in raw_mobile
    assert person.id_card_masked == "410***********1234"
    assert person.gender == "M" and person.birth_date == date(1990, 1, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的身份证410823199001011234，电话13800001234", "我的身份证410***********1234，电话138****1234"),
        ("联系 138 0000 1234 或 +86-139-1234-5678", "联系 138****1234 或 139****5678"),
        ("身份证号41082319900101123x", "身份证号410***********123x"),
        ("门牌号12号，订单号202611290000123456789", "门牌号12号，订单号202611290000123456789"),  # longer runs
        ("路灯坏了3天", "路灯坏了3天"),
        ("", ""),
    ],
)
def test_redact_text_masks_numbers_typed_into_free_text(text: str, expected: str) -> None:
    assert pii.redact_text(text) == expected
