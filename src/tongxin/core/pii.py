"""Personal data: validation of mainland ID-card and mobile numbers, encryption at rest, keyed hashes
for exact lookup, and masked display."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

# GB 11643-1999: weights for the first 17 digits and the check character for (sum mod 11).
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# Province-level codes of GB/T 2260 (first two digits of an ID number).
_PROVINCES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82", "83",
    }
)  # fmt: skip
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def _ascii(value: str) -> str:
    """Full-width digits, letters and punctuation (１３８, Ｘ, －) as their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", value or "")


def normalise_id_card(value: str, *, today: date | None = None) -> str:
    """Return the 18-character ID number in canonical form, or raise ``ValidationError`` (Chinese)."""
    raw = re.sub(r"[\s.\-]", "", _ascii(value)).upper()
    if not re.fullmatch(r"\d{17}[\dX]", raw):
        raise ValidationError("身份证号码应为18位：前17位为数字，最后一位为数字或X。", code="id_format")
    if raw[:2] not in _PROVINCES:
        raise ValidationError("身份证号码的地区代码不存在（前两位不是有效的省级代码）。", code="id_region")
    try:
        born = date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        raise ValidationError("身份证号码中的出生日期不存在。", code="id_birth") from None
    today = today or timezone.localdate()
    if born > today or born.year < 1900:
        raise ValidationError("身份证号码中的出生日期不合理。", code="id_birth")
    if id_check_char(raw[:17]) != raw[17]:
        raise ValidationError("身份证号码校验位不正确，请核对后重新输入。", code="id_check")
    return raw


def birth_date_from_id(value: str) -> date:
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def normalise_mobile(value: str) -> str:
    raw = re.sub(r"[\s.\-()]", "", _ascii(value))
    if raw.startswith("+86"):
        raw = raw[3:]
    if not _MOBILE.fullmatch(raw):
        raise ValidationError("手机号码应为11位中国大陆手机号（1开头，第二位为3-9）。", code="mobile")
    return raw


def mask_id_card(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_mobile(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "****" + value[-4:]


# Numbers typed into free text, in ASCII or full-width digits (Python's \d matches both), with an optional
# separator (space, full-width space, dot, dash, full-width dot or dash, middle dot) between groups:
# an 18-character ID number (6-4-4-4 or 6-8-4 groups, or none; last a digit or X) and a mainland mobile
# number (optionally +86, in 3-4-4 groups), not inside longer runs of digits or letters.
_SEP = r"[\s.\-\u3000\uff0e\uff0d\u00b7\u2014]?"
_ID_IN_TEXT = re.compile(
    rf"(?<![0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a])"
    rf"(\d{{6}}){_SEP}(\d{{4}}){_SEP}(\d{{4}}){_SEP}(\d{{3}}[\dXx\uff38\uff58])"
    rf"(?![0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a])"
)
_MOBILE_IN_TEXT = re.compile(
    rf"(?<![\d+\uff0b])(?:[+\uff0b]?[8\uff18][6\uff16]{_SEP})?"
    rf"([1\uff11][3-9\uff13-\uff19]\d){_SEP}(\d{{4}}){_SEP}(\d{{4}})(?!\d)"
)


def redact_text(text: str) -> str:
    """Mask ID and mobile numbers that a person typed into free text (a report's description) before
    the text is published: 410823199001011234 → 410***********1234, 138 0000 1234 → 138****1234, and the
    same for full-width digits (１３８０３９１０００９), dots (138.0391.0009) and spaced groups
    (410883 19791008 0234). The masked number is written in ASCII digits."""
    if not text:
        return text
    text = _ID_IN_TEXT.sub(lambda m: mask_id_card(_ascii("".join(m.groups()))), text)
    return _MOBILE_IN_TEXT.sub(lambda m: _ascii(f"{m.group(1)}****{m.group(3)}"), text)


_SENSITIVE_KEYS = {"id_card": mask_id_card, "mobile": mask_mobile, "phone": mask_mobile}


def mask_sensitive(data: Any) -> Any:
    """Mask ID and phone numbers and drop secrets from a before/after dict of the audit log."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            lowered = str(key).lower()
            if any(s in lowered for s in ("password", "secret", "token", "key")) and lowered != "key_id":
                out[key] = "******"
            elif lowered in _SENSITIVE_KEYS and isinstance(value, str):
                out[key] = _SENSITIVE_KEYS[lowered](value)
            elif lowered.endswith("_hash"):
                continue
            else:
                out[key] = mask_sensitive(value)
        return out
    if isinstance(data, list):
        return [mask_sensitive(v) for v in data]
    return data


# --- encryption at rest ---------------------------------------------------------------------


def _master_key() -> bytes:
    key = settings.FIELD_KEY
    if key:
        return key.encode()
    return _key_from_file(str(settings.FIELD_KEY_FILE))


@lru_cache(maxsize=4)
def _key_from_file(filename: str) -> bytes:
    path = Path(filename)
    if settings.PRODUCTION and not path.exists():
        raise RuntimeError("TONGXIN_FIELD_KEY must be set in production (the key for personal data).")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip().encode()


@lru_cache(maxsize=4)
def _keys(master: bytes) -> tuple[Fernet, bytes]:
    # Two independent keys derived from one secret: one to encrypt, one to hash for lookup.
    enc = hashlib.sha256(b"tongxin-enc:" + master).digest()
    mac = hashlib.sha256(b"tongxin-mac:" + master).digest()
    return Fernet(base64.urlsafe_b64encode(enc)), mac


def encrypt(value: str) -> str:
    fernet, _ = _keys(_master_key())
    return fernet.encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    fernet, _ = _keys(_master_key())
    try:
        return fernet.decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("个人信息无法解密：密钥不匹配（TONGXIN_FIELD_KEY）。") from None


def lookup_hash(value: str) -> str:
    """Keyed hash of a normalised value, for exact lookups without decrypting."""
    _, mac = _keys(_master_key())
    return hmac.new(mac, value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Stores the value encrypted (Fernet); Python code sees plaintext. Empty stays empty."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(str(value))
