"""Analytics settings: the shop's sales regions as groups of provinces (light to import)."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from shoptui.errors import InvalidInput
from shoptui.services.shop import SettingDef

_EXAMPLE = '{"华东": ["上海", "江苏", "浙江"], "South": ["Guangdong", "Hainan"]}'


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def parse_sales_regions(raw: str) -> dict[str, list[str]]:
    """The sales_regions setting: a JSON object of region -> provinces; a province belongs to one region."""
    text = (raw or "").strip()
    if not text:
        return {}
    try:
        value: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"The sales regions are not JSON ({exc.msg} at character {exc.pos}); write them like {_EXAMPLE}."
        ) from None
    if not isinstance(value, dict):
        raise InvalidInput(f"The sales regions must be a JSON object of region -> provinces, like {_EXAMPLE}.")
    out: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    for region, provinces in value.items():
        name = unicodedata.normalize("NFKC", str(region)).strip()
        if not name or len(name) > 100:
            raise InvalidInput("A sales region needs a name of 1 to 100 characters.")
        if not isinstance(provinces, list) or not all(isinstance(p, str) and p.strip() for p in provinces):
            raise InvalidInput(f'The sales region {name!r} needs a list of province names, like ["上海", "江苏"].')
        clean = []
        for province in provinces:
            p = unicodedata.normalize("NFKC", province).strip()
            if len(p) > 100:
                raise InvalidInput(f"The province {p[:40]!r}... in {name!r} is longer than 100 characters.")
            if _key(p) in owner and owner[_key(p)] != name:
                raise InvalidInput(
                    f"The province {p!r} is in two sales regions ({owner[_key(p)]!r} and {name!r}); "
                    "a province belongs to one region."
                )
            owner[_key(p)] = name
            clean.append(p)
        out[name] = clean
    return out


def region_of(regions: dict[str, list[str]], province: str) -> str:
    """The sales region a province belongs to ("" when the shop has not placed it in one)."""
    wanted = _key(province or "")
    if not wanted:
        return ""
    for region, provinces in regions.items():
        if any(_key(p) == wanted for p in provinces):
            return region
    return ""


def _regions_setting(raw: str) -> str:
    parsed = parse_sales_regions(raw)
    return json.dumps(parsed, ensure_ascii=False) if parsed else ""


SETTINGS = [
    SettingDef(
        "sales_regions",
        "The shop's sales regions as groups of provinces, a JSON object like "
        f"{_EXAMPLE}; orders that carry no region are reported under their province's region.",
        "",
        _regions_setting,
        group="analytics",
    ),
]
