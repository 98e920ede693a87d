"""What the marketing screens share: the store's currency, time zone, tiers and channels; words for
kinds and states that read without colour; parsing of what the operator typed (shop time, money,
percentages, thresholds); and a dry run that asks a service what it would do and rolls it back.

:func:`read_meta` and :func:`dry_run` open the store, so they run inside workers only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast
from zoneinfo import ZoneInfo

from shoptui.errors import InvalidInput
from shoptui.money import parse_basis_points, parse_money
from shoptui.tui.store_view import StoreView, current
from shoptui.typed import number_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlmodel import Session

    from shoptui.services.marketing import CouponRead, PromotionRead

T = TypeVar("T")

KIND_WORDS = {"spend_save": "满减 spend & save", "discount": "discount", "bxgy": "buy X get Y", "gift": "gift"}
KIND_SHORT = {"spend_save": "满减", "discount": "off", "bxgy": "BxGy", "gift": "gift"}
KIND_CHOICES = (("满减 spend & save (thresholds or every X off Y)", "spend_save"),
                ("percentage or fixed amount off", "discount"),
                ("buy X get Y (free or % off)", "bxgy"),
                ("gift with purchase", "gift"))
STATUS_CHOICES = (("any status", ""), ("running now", "running"), ("active", "active"), ("paused", "paused"),
                  ("draft", "draft"), ("ended", "ended"))
KIND_FILTER = (("any kind", ""), ("满减 spend & save", "spend_save"), ("discount", "discount"),
               ("buy X get Y", "bxgy"), ("gift", "gift"))
SCOPE_CHOICES = (("everything", "all"), ("categories", "categories"), ("products (SKUs)", "products"))
YES_NO = (("no", "no"), ("yes", "yes"))


@dataclass(frozen=True)
class MarketingMeta:
    """The store view (currency, time zone: the shell's), tier codes (lowest first) and order channels."""

    store: StoreView = StoreView()
    tiers: tuple[tuple[str, str], ...] = ()  # (code, name)
    channels: tuple[str, ...] = ()

    def edit_time(self, at: datetime | None, *, end: bool = False) -> str:
        """A moment as the forms take it back: ``2026-12-01 09:00``; midnight as the day alone (blank for none).

        With ``end`` a midnight is the day before (a date typed as an end means the end of that day).
        """
        if at is None:
            return ""
        local = at.astimezone(self.store.tz)
        if (local.hour, local.minute, local.second) == (0, 0, 0):
            return f"{local - timedelta(days=1) if end else local:%Y-%m-%d}"
        return f"{local:%Y-%m-%d %H:%M}"

    def window(self, starts: datetime | None, ends: datetime | None, *, wide: bool) -> str:
        """``11-20→12-31`` (narrow) or ``2026-11-20 10:30 → 2026-12-31 23:59`` (wide)."""
        when = self.store.when
        if wide:
            return f"{when(starts)} → {when(ends) if ends else 'no end'}"
        if ends is None:
            return f"from {when(starts, year=False, time=False)}"
        return f"{when(starts, year=False, time=False)}→{self.store.last_day(ends, year=False)}"

    def tier_hint(self) -> str:
        """``normal, silver, gold`` (what the tier fields take)."""
        return ", ".join(code for code, _ in self.tiers) or "no tiers"


def read_meta(db_url: str | None, app: object = None) -> MarketingMeta:
    """Read the tiers and channels; the store view is ``app``'s once the shell has read it (call in a worker thread)."""
    from shoptui import db
    from shoptui.models.orders import CHANNELS

    with db.read_session(db_url) as session:
        store = current(app, session)
        tiers: tuple[tuple[str, str], ...] = ()
        try:
            from shoptui.services import members

            tiers = tuple((t.code, t.name) for t in members.list_tiers(session=session))
        except ImportError:  # a shop without the members module
            tiers = ()
    return MarketingMeta(store=store, tiers=tiers, channels=tuple(CHANNELS))


# ---------------------------------------------------------------- what the lists show


def promotion_state(promo: PromotionRead, now: datetime) -> str:
    """draft, scheduled, active (running now), paused or ended: the service's word for it at ``now``."""
    from shoptui.services.marketing import promotion_state as state

    return state(promo.status, promo.starts_at, promo.ends_at, now)


def coupon_validity(coupon: CouponRead, meta: MarketingMeta) -> str:
    """``to 2026-12-31``, ``30 days after issue``, ``from 12-01 to 12-31`` or ``no end``."""
    start = f"from {meta.store.when(coupon.valid_from, time=False)} " if coupon.valid_from else ""
    if coupon.valid_until:
        return f"{start}to {meta.store.last_day(coupon.valid_until)}"
    if coupon.valid_days:
        return f"{start}{coupon.valid_days} days after issue"
    return f"{start}no end".strip()


def limits_text(total: int | None, per_member: int | None) -> str:
    """``200 in all, 1 each`` / ``no limit``."""
    parts = []
    if total is not None:
        parts.append(f"{total:,} in all")
    if per_member is not None:
        parts.append(f"{per_member:,} each")
    return ", ".join(parts) or "no limit"


def scope_text(kind: str, ids: list[int] | None) -> str:
    """``everything``, ``3 categories``, ``1 product``."""
    if kind == "all" or not ids:
        return "everything"
    noun = "categor" + ("y" if len(ids) == 1 else "ies") if kind == "categories" else "product" + (
        "" if len(ids) == 1 else "s")
    return f"{len(ids)} {noun}"


# ---------------------------------------------------------------- parsing what was typed


class FieldRefused(InvalidInput):
    """A value the form itself could not read; ``field`` names the form field."""

    def __init__(self, field: str, sentence: str) -> None:
        super().__init__(sentence, field=field)


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def moment(text: str, tz: ZoneInfo, field: str, what: str, *, end: bool = False) -> datetime | None:
    """Shop time ``2026-12-01`` (start of day; with ``end`` the end of it) or ``2026-12-01 18:00``; blank: None."""
    from shoptui.services.shop import parse_day_or_time

    try:
        return parse_day_or_time(text, tz, field=what, end=end)
    except InvalidInput as exc:
        raise FieldRefused(field, str(exc)) from None


def money(text: str, digits: int, field: str, what: str) -> int | None:
    """``12.50`` -> 1250 (blank: None)."""
    raw = _clean(text)
    if not raw:
        return None
    try:
        return parse_money(raw, digits, field=what)
    except InvalidInput as exc:
        raise FieldRefused(field, str(exc)) from None


def percent(text: str, field: str, what: str) -> int | None:
    """``15`` or ``12.5%`` -> basis points (blank: None); over 100% is refused."""
    raw = _clean(text)
    if not raw:
        return None
    try:
        return parse_basis_points(raw, field=what, maximum=10**9)
    except InvalidInput as exc:
        raise FieldRefused(field, str(exc)) from None


def count(text: str, field: str, what: str) -> int | None:
    """A whole number (blank: None); the services check its range."""
    if not _clean(text):
        return None
    try:
        raw = number_text(_clean(text), what)  # digits of any script; a comma only between thousands
    except InvalidInput as exc:
        raise FieldRefused(field, str(exc)) from None
    body = raw[1:] if raw[:1] == "-" else raw
    if not body.isdigit() or not body.isascii():
        raise FieldRefused(field, f"The {what} {raw!r} is not a whole number; type one like 100.")
    return int(raw)


_STEP = re.compile(r"^满?\s*(?P<t>[0-9.]+)\s*(?::|/|减|off)\s*(?P<o>[0-9.]+)\s*$", re.I)


def steps(text: str, digits: int, field: str) -> list[tuple[int, int]]:
    """``200:20, 500:60`` (or ``满200减20 满500减60``) -> [(20000, 2000), (50000, 6000)]."""
    raw = _clean(text)
    out = []
    for part in filter(None, re.split(r"[,;，；\s]+(?=满|[0-9])", raw.replace(" : ", ":"))):
        match = _STEP.match(part.strip(" ,;"))
        if not match:
            raise FieldRefused(field, f"The threshold {part.strip()!r} must be SPEND:OFF, like 200:20 (or 满200减20).")
        out.append((money(match["t"], digits, field, f"threshold in {part.strip()!r}") or 0,
                    money(match["o"], digits, field, f"amount off in {part.strip()!r}") or 0))
    return out


def words(text: str) -> list[str]:
    """``"a, b，c"`` -> ``["a", "b", "c"]``"""
    return [p.strip() for p in re.split(r"[,，;；]", _clean(text)) if p.strip()]


# ---------------------------------------------------------------- dry runs


class _Preview(Exception):
    """Carries a result out of a transaction so the transaction rolls back."""

    def __init__(self, result: Any) -> None:
        super().__init__("preview")
        self.result = result


def dry_run(db_url: str | None, call: Callable[[Session], T]) -> T:
    """What ``call`` would do, in a transaction that is always rolled back (call in a worker)."""
    from shoptui import db

    try:
        with db.transaction(db_url) as session:
            result = call(session)
            raise _Preview(result)
    except _Preview as preview:
        return cast("T", preview.result)  # what call(session) returned, carried out by the exception
