"""Stock locations: the default one, lookup by code or id (cached for one unit of work), adding and listing."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel
from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models._types import table_of
from shoptui.models.inventory import StockLocation
from shoptui.services import shop
from shoptui.store.prepared import Prepared
from shoptui.text import check_text


class LocationRead(BaseModel):
    """A stock location."""

    id: int
    code: str
    name: str
    is_default: bool


_LOCATION = table_of(StockLocation)
_DEFAULT_LOCATION = Prepared(  # the default one, else the oldest
    sa_select(_LOCATION.c.id, _LOCATION.c.code, _LOCATION.c.name, _LOCATION.c.is_default)
    .order_by(_LOCATION.c.is_default.desc(), _LOCATION.c.id).limit(1)
)
_LOCATION_CACHE = "shoptui.inventory.locations"
_DEFAULT = "<default>"


def _location_read(row: StockLocation) -> LocationRead:
    return LocationRead(id=row.id or 0, code=row.code, name=row.name, is_default=row.is_default)


def _location_cache(session: Session) -> dict[object, LocationRead]:
    """Locations already looked up in this unit of work (a sale or restock needs one per movement).

    Locations change only through ``add_location``, which empties the cache; a session lives for one
    transaction, so nothing is kept across user actions.
    """
    return session.info.setdefault(_LOCATION_CACHE, {})  # type: ignore[no-any-return]  # Session.info is dict[Any, Any]; this key holds only this cache


def _remember(session: Session, location: LocationRead, *keys: object) -> LocationRead:
    cache = _location_cache(session)
    for key in (*keys, location.id, location.code):
        cache[key] = location
    return location


def default_location(session: Session) -> LocationRead:
    """The default location (created as MAIN when a store has none)."""
    cached = _location_cache(session).get(_DEFAULT)
    if cached is not None:
        return cached
    found = _DEFAULT_LOCATION.first(session)
    if found is not None:
        return _remember(session, LocationRead(id=found[0], code=found[1], name=found[2], is_default=bool(found[3])),
                         _DEFAULT)
    row = StockLocation(code="MAIN", name="Main store", is_default=True, created_at=clock.now())
    session.add(row)
    session.flush()
    return _remember(session, _location_read(row), _DEFAULT)


def find_location(session: Session, code: str | int | None, *, name: str = "location") -> LocationRead:
    """A location by code (case-insensitive) or id; ``None`` is the default location. NotFound names the
    input field ``name``."""
    if code is None or (isinstance(code, str) and not code.strip()):
        return default_location(session)
    key: int | str = code if isinstance(code, int) else code.strip().upper()
    cached = _location_cache(session).get(key)
    if cached is not None:
        return cached
    if isinstance(key, int):
        row = session.get(StockLocation, key)
    else:
        row = session.exec(select(StockLocation).where(StockLocation.code == key)).first()
    if row is None:
        known = ", ".join(session.exec(select(StockLocation.code).order_by(StockLocation.code)).all())
        raise NotFound(f"There is no location {code!r}. Known locations: {known}. Add one with 'shoptui location add'.",
                       field=name)
    return _remember(session, _location_read(row))


def add_location(*, session: Session, actor: Actor, code: str, name: str, make_default: bool = False) -> LocationRead:
    """A new stock location; ``code`` is short (letters, digits, - and _), stored upper-case."""
    code = code.strip().upper()
    name = name.strip()
    if not code or len(code) > 20 or not all(c.isalnum() or c in "-_" for c in code):
        raise InvalidInput(f"The location code {code!r} must be 1 to 20 letters, digits, - or _ (like BACK or SHOP-2).")
    name = check_text(name, "location name", 100) or ""
    if session.exec(select(StockLocation.id).where(StockLocation.code == code)).first() is not None:
        raise Conflict(f"The location code {code} is already used. Pick another code.")
    _location_cache(session).clear()
    if make_default:
        session.execute(update(StockLocation).values(is_default=False))
    row = StockLocation(code=code, name=name, is_default=make_default, created_at=clock.now())
    session.add(row)
    session.flush()
    shop.record(session=session, actor=actor, action="location.add", entity="location", entity_id=row.id,
                 summary=f"location {code} added", after={"code": code, "name": name, "is_default": make_default})
    return _location_read(row)


def list_locations(*, session: Session) -> list[LocationRead]:
    """Every location, the default first."""
    rows = session.exec(select(StockLocation).order_by(col(StockLocation.is_default).desc(), StockLocation.code))
    return [_location_read(r) for r in rows]


def location_codes(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The code of each location id (ids that name none are left out)."""
    ids = set(ids)
    if not ids:
        return {}
    rows = session.exec(select(col(StockLocation.id), StockLocation.code).where(col(StockLocation.id).in_(ids))).all()
    return {location_id: code for location_id, code in rows if location_id is not None}
