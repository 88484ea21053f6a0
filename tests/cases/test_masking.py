"""Issue 11 finding 5: masking of mobile and ID numbers missed full-width digits and numbers written with
dots or spaces. ``core.pii.redact_text`` (published descriptions) and the normalisers behind lookups."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.cases.conftest import Loop
from tongxin.accounts.system import SYSTEM
from tongxin.cases import services
from tongxin.core.pii import normalise_id_card, normalise_mobile, redact_text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话１３８０３９１０００９联系", "电话138****0009联系"),
        ("138.0391.0009", "138****0009"),
        ("１３８．０３９１．０００９", "138****0009"),
        ("身份证410883 19791008 0234 谢谢", "身份证410***********0234 谢谢"),
        ("410883 1979 1008 023X", "410***********023X"),
        ("４１０８８３１９７９１００８０２３４", "410***********0234"),
    ],
)
def test_finding_masking_survives_full_width_digits_dots_and_spaces(text: str, masked: str) -> None:
    assert redact_text(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("+86 138 0391 0009", "138****0009"),
        ("138-0391-0009", "138****0009"),
        ("410883197910080234", "410***********0234"),
    ],
)
def test_plain_numbers_are_still_masked(text: str, masked: str) -> None:
    assert redact_text(text) == masked


@pytest.mark.parametrize("text", ["订单号 2025061112345678901", "价格 12.50 元", "编号 1234 5678"])
def test_other_numbers_are_left_alone(text: str) -> None:
    assert redact_text(text) == text


def test_full_width_and_dotted_numbers_normalise_for_lookups() -> None:
    assert normalise_mobile("１３８.0391.0009") == normalise_mobile("13803910009") == "13803910009"
    assert normalise_id_card("410883 19791008 0234") == "410883197910080234"


def test_finding_full_width_numbers_are_masked_in_open311(loop: Loop, client: Client) -> None:
    _, raw = services.create_open311_key(actor=SYSTEM, name="App", region=loop.world.village_a1)
    r = client.post(
        "/open311/v2/requests.json",
        {"api_key": raw, "service_code": "safety_hazard", "lat": "34.9", "long": "112.78",
         "description": "联系人１３８．０３９１．０００９，身份证410883 19791008 0234"},
    )  # fmt: skip
    sid = r.json()[0]["service_request_id"]
    (published,) = client.get(f"/open311/v2/requests/{sid}.json").json()
    assert "0391" not in published["description"] and "19791008" not in published["description"]
    assert "138****0009" in published["description"]
