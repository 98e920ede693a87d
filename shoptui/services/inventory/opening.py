"""Opening balances: the stock a shop brings along when it moves in (``product import --opening-stock``).

Booked through the ledger's bulk writer (``ledger.book_many``) as 'receive' movements with the
reason "opening balance", so ``db check`` and the stock history explain them like any goods in. An
opening balance is booked once: a variant that already has stock history at the location is
skipped (a second import of the same file changes nothing; count the shelf with a stocktake instead).
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from shoptui.config import Actor
from shoptui.models.catalog import Variant
from shoptui.models.inventory import StockMovement
from shoptui.services import shop
from shoptui.services.inventory.ledger import MAX_QUANTITY, Movement, book_many
from shoptui.services.inventory.locations import find_location
from shoptui.store.rows import tuples

OPENING_REASON = "opening balance"


class OpeningSkip(BaseModel):
    """A quantity of the export that was not booked, and why."""

    sku: str
    quantity: int
    reason: str


class OpeningStockRead(BaseModel):
    """What an opening balance booked (or, with dry_run, would book) at one location."""

    location: str
    booked: int  # variants
    units: int
    skipped: list[OpeningSkip]
    dry_run: bool


def book_opening_stock(*, session: Session, actor: Actor, quantities: Mapping[str, int], location: str | None = None,
                       dry_run: bool = False, source: str = "import") -> OpeningStockRead:
    """Book ``quantities`` (by SKU) as the opening balance at ``location`` (default: the default location).

    Zero quantities are left out; negative ones, SKUs that do not track stock and SKUs with stock
    history at the location are skipped with the reason. In a dry run a SKU not in the store yet
    (about to be created by the same import) counts as booked.
    """
    place = find_location(session, location)
    skus = list(quantities)
    found: dict[str, tuple[int, bool]] = {}
    for start in range(0, len(skus), 900):
        for vid, sku, track in tuples(session.execute(sa_select(col(Variant.id), col(Variant.sku), col(Variant.track_stock))
                                                      .where(col(Variant.sku).in_(skus[start:start + 900])))):
            found[sku] = (vid, bool(track))
    # every variant with history here, in one query (an index scan), rather than asking for each SKU
    with_history: set[int] = set(session.execute(sa_select(col(StockMovement.variant_id)).distinct().where(
        col(StockMovement.location_id) == place.id)).scalars()) if found else set()
    moves: list[Movement] = []
    skipped: list[OpeningSkip] = []
    booked = units = 0
    for sku, quantity in quantities.items():
        if quantity == 0:
            continue
        if quantity < 0:
            skipped.append(OpeningSkip(sku=sku, quantity=quantity, reason="a negative quantity (sold before it "
                                                                          "was stocked) is not an opening balance"))
            continue
        if quantity > MAX_QUANTITY:
            skipped.append(OpeningSkip(sku=sku, quantity=quantity, reason=f"more than {MAX_QUANTITY:,} units"))
            continue
        known = found.get(sku)
        if known is None:
            if dry_run:
                booked += 1
                units += quantity
            else:
                skipped.append(OpeningSkip(sku=sku, quantity=quantity, reason="not in the catalogue"))
            continue
        vid, track = known
        if not track:
            skipped.append(OpeningSkip(sku=sku, quantity=quantity, reason="does not track stock"))
        elif vid in with_history:
            skipped.append(OpeningSkip(sku=sku, quantity=quantity, reason=f"already has stock history at {place.code}; "
                                                                          "count it with a stocktake instead"))
        else:
            moves.append(Movement(vid, quantity))
            booked += 1
            units += quantity
    if moves and not dry_run:
        book_many(session, actor, place.id, moves, kind="receive", reason=OPENING_REASON, ref_kind=source[:20])
        shop.record(session=session, actor=actor, action="stock.opening", entity="location", entity_id=place.id,
                    summary=f"opening balance: {units} units of {booked} variants at {place.code}",
                    after={"variants": booked, "units": units, "skus_sample": [sku for sku in quantities][:20]})
    return OpeningStockRead(location=place.code, booked=booked, units=units, skipped=skipped, dry_run=dry_run)
