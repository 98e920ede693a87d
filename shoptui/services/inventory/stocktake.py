"""Stocktakes (盘点): freeze expected quantities, count (scan, type, import), review, post once.

Expected quantities are frozen at the start together with the last ledger id. Sales and receipts
during the count follow the freeze-and-roll-forward rule: a line's variance is its count minus the
book level when it was counted (frozen expected + movements at that location between the freeze
and ``counted_at``); movements after the count are applied on top of it, so posting books only the
variance and the level after posting is the current book + the variance. Several terminals count
the same stocktake at once; a scan is an atomic ``counted = counted + 1`` so their counts add up.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import SQLColumnExpression, bindparam, func, insert, literal, literal_column, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from shoptui import clock
from shoptui.config import Actor
from shoptui.errors import Conflict, InvalidInput, NotFound
from shoptui.models._types import table_of
from shoptui.models.catalog import Category, Product, Variant
from shoptui.models.inventory import StockLevel, StockMovement, Stocktake, StocktakeLine
from shoptui.services import shop
from shoptui.services.inventory.ledger import MAX_QUANTITY, Movement, book_many
from shoptui.services.inventory.locations import find_location
from shoptui.services.inventory.variants import find_variant
from shoptui.store.prepared import Prepared
from shoptui.store.rows import tuples
from shoptui.text import check_text
from shoptui.wording import plural

UNCOUNTED_CHOICES = ("zero", "keep")
_LINE = table_of(StocktakeLine)
_SET_VARIANCE = Prepared(update(_LINE).where(_LINE.c.stocktake_id == bindparam("take"),
                                              _LINE.c.variant_id == bindparam("vid"))
                          .values(variance=bindparam("delta", type_=_LINE.c.variance.type)))


class StocktakeRead(BaseModel):
    """A stocktake's header and progress."""

    id: int
    status: str
    location: str
    category: str | None
    note: str
    started_at: datetime
    started_by: str
    posted_at: datetime | None
    posted_by: str | None
    lines: int
    counted: int
    uncounted_choice: str | None
    accuracy_bp: int | None


class CountLineRead(BaseModel):
    """One variant of a stocktake as reviewed or reported."""

    variant_id: int
    sku: str
    title: str
    expected: int  # frozen at start
    moved: int  # ledger movements at the location from the freeze until the line was counted (or until now)
    counted: int | None
    variance: int | None  # counted - (expected + moved); after posting: what was booked
    moved_after: int = 0  # movements after the line was counted: rolled forward on top of the count
    unit_cost_minor: int
    value_minor: int | None
    reason: str | None
    needs_reason: bool


class StocktakeReview(BaseModel):
    """Variances (largest value first), lines that still need a reason, and what was not counted."""

    stocktake: StocktakeRead
    variances: list[CountLineRead]
    needs_reason: int
    uncounted: list[CountLineRead]
    matched: int


class StocktakeReport(BaseModel):
    """The report a posted stocktake keeps."""

    stocktake: StocktakeRead
    lines: list[CountLineRead]
    adjusted: int
    units_variance: int
    value_variance_minor: int


class ImportResult(BaseModel):
    """What a count import changed."""

    lines: int
    units: int


# ---------------------------------------------------------------- helpers


def _row(session: Session, stocktake_id: int) -> Stocktake:
    row = session.get(Stocktake, stocktake_id)
    if row is None:
        raise NotFound(f"There is no stocktake {stocktake_id}. List them with 'shoptui stocktake list'.")
    return row


def _open(session: Session, stocktake_id: int) -> Stocktake:
    row = _row(session, stocktake_id)
    if row.status != "counting":
        raise Conflict(f"Stocktake {stocktake_id} is already {row.status}; it cannot be changed any more.")
    return row


def _read(session: Session, row: Stocktake) -> StocktakeRead:
    lines, counted = session.exec(
        select(func.count(), func.count(col(StocktakeLine.counted))).where(col(StocktakeLine.stocktake_id) == row.id)
    ).one()
    category = session.exec(select(Category.name).where(Category.id == row.category_id)).first() \
        if row.category_id else None
    return StocktakeRead(id=row.id or 0, status=row.status, location=find_location(session, row.location_id).code,
                         category=category, note=row.note, started_at=row.started_at, started_by=row.started_by,
                         posted_at=row.posted_at, posted_by=row.posted_by, lines=lines, counted=counted,
                         uncounted_choice=row.uncounted, accuracy_bp=row.accuracy_bp)


def _in_scope(session: Session, stocktake: Stocktake, variant_id: int) -> bool:
    if stocktake.category_id is None:
        return True
    path = session.exec(select(Category.path).where(Category.id == stocktake.category_id)).one()
    found = session.exec(
        select(Variant.id).join(Product, col(Product.id) == col(Variant.product_id))
        .join(Category, col(Category.id) == col(Product.category_id))
        .where(Variant.id == variant_id, col(Category.path).startswith(path))
    ).first()
    return found is not None


RECENT_SCAN_LIMIT = 2_000_000  # movements since the freeze up to which reading them by id beats the ledger index


def _moved_since(session: Session, stocktake: Stocktake, variant_ids: list[int] | None = None) -> dict[int, int]:
    if variant_ids is not None:
        query = (select(StockMovement.variant_id, func.sum(StockMovement.quantity))
                 .where(StockMovement.location_id == stocktake.location_id,
                        col(StockMovement.id) > stocktake.frozen_movement_id,
                        col(StockMovement.variant_id).in_(variant_ids))
                 .group_by(col(StockMovement.variant_id)))
        return dict(session.exec(query).all())
    last = session.exec(select(func.max(StockMovement.id))).one() or 0
    variant: SQLColumnExpression[int] = col(StockMovement.variant_id)
    if last - stocktake.frozen_movement_id <= RECENT_SCAN_LIMIT:
        # "+ 0" keeps the planner from grouping along the ledger index, which reads every movement
        # ever booked (3.7 s at 10M); reading only the movements since the freeze by id is milliseconds
        variant = variant + literal_column("0")
    query = (select(variant, func.sum(StockMovement.quantity))
             .where(StockMovement.location_id == stocktake.location_id,
                    col(StockMovement.id) > stocktake.frozen_movement_id)
             .group_by(variant))
    return dict(session.exec(query).all())


def _moved_after_count(session: Session, stocktake: Stocktake,
                       variant_ids: list[int] | None = None) -> dict[int, int]:
    """Movements at the location since the freeze that came after each line's count, in one query."""
    line = table_of(StocktakeLine)
    move = table_of(StockMovement)
    query = (select(line.c.variant_id, func.sum(move.c.quantity))
             .select_from(move)
             .join(line, (line.c.stocktake_id == stocktake.id) & (line.c.variant_id == move.c.variant_id))
             .where(move.c.location_id == stocktake.location_id, move.c.id > stocktake.frozen_movement_id,
                    line.c.counted_at.is_not(None), move.c.at > line.c.counted_at)
             .group_by(line.c.variant_id))
    if variant_ids is not None:
        query = query.where(line.c.variant_id.in_(variant_ids))
    return {vid: int(total) for vid, total in tuples(session.execute(query)) if total}


def _add_line(session: Session, stocktake: Stocktake, variant_id: int, sku: str) -> None:
    """A variant first seen during the count (all-stock scope): its frozen expectation is its level then."""
    if not _in_scope(session, stocktake, variant_id):
        raise InvalidInput(f"{sku} is not in stocktake {stocktake.id}'s category, so it cannot be counted here.")
    on_hand = session.exec(select(StockLevel.on_hand).where(StockLevel.variant_id == variant_id,
                                                            StockLevel.location_id == stocktake.location_id)).first()
    moved = _moved_since(session, stocktake, [variant_id]).get(variant_id, 0)
    cost = session.exec(select(Variant.cost_minor).where(Variant.id == variant_id)).one()
    session.execute(insert(StocktakeLine).values(stocktake_id=stocktake.id, variant_id=variant_id,
                                                 expected=(on_hand or 0) - moved, counted=None,
                                                 unit_cost_minor=cost or 0))


# ---------------------------------------------------------------- start, count, import


def start_stocktake(*, session: Session, actor: Actor, location: str | None = None, category_id: int | None = None,
                    note: str = "") -> StocktakeRead:
    """Start counting a location (all stock-tracked variants, or a category subtree); expected is frozen now."""
    place = find_location(session, location)
    note = check_text(note, "note", 500, required=False, multiline=True, name="note") or ""
    busy = session.exec(select(Stocktake.id).where(Stocktake.location_id == place.id,
                                                   Stocktake.status == "counting")).first()
    if busy is not None:
        raise Conflict(f"Stocktake {busy} is still counting at {place.code}. Post it first "
                       f"('shoptui stocktake post {busy}') or cancel it.", field="location")
    path = None
    if category_id is not None:
        path = session.exec(select(Category.path).where(Category.id == category_id)).first()
        if path is None:
            raise NotFound(f"There is no category with id {category_id}.", field="category_id")
    frozen = session.exec(select(func.max(StockMovement.id))).one() or 0
    row = Stocktake(location_id=place.id, category_id=category_id, status="counting", note=note.strip(),
                    frozen_movement_id=frozen, started_by=actor.name[:100], started_at=clock.now())
    session.add(row)
    session.flush()
    scope = (
        select(literal(row.id), Variant.id, func.coalesce(StockLevel.on_hand, 0), func.coalesce(Variant.cost_minor, 0))
        .join(Product, col(Product.id) == col(Variant.product_id))
        .outerjoin(StockLevel, (col(StockLevel.variant_id) == col(Variant.id))
                   & (col(StockLevel.location_id) == place.id))
        .where(col(Variant.track_stock).is_(True),
               or_(col(Product.status) != "archived", func.coalesce(StockLevel.on_hand, 0) != 0))
    )
    if path is not None:
        scope = scope.join(Category, col(Category.id) == col(Product.category_id)).where(
            col(Category.path).startswith(path))
    session.execute(insert(StocktakeLine).from_select(
        ["stocktake_id", "variant_id", "expected", "unit_cost_minor"], scope))
    shop.record(session=session, actor=actor, action="stocktake.start", entity="stocktake", entity_id=row.id,
                 summary=f"stocktake {row.id} started at {place.code}" + (f" (category {category_id})"
                                                                          if category_id else ""))
    return _read(session, row)


def count(*, session: Session, actor: Actor, stocktake_id: int, code: str, quantity: int | None = None,
          mode: str = "scan") -> CountLineRead:
    """Count a variant: ``scan`` adds 1, ``add`` adds ``quantity``, ``set`` replaces the count with it.

    Adds are atomic, so terminals scanning the same stocktake at once add up.
    """
    if mode not in ("scan", "add", "set", "undo"):
        raise InvalidInput(f"The count mode {mode!r} is not scan, add, set or undo.")
    if mode in ("add", "set"):
        if quantity is None or isinstance(quantity, bool) or not isinstance(quantity, int):
            raise InvalidInput(f"The count must be a whole number, not {quantity!r}.")
        if quantity < 0 or quantity > MAX_QUANTITY:
            raise InvalidInput(f"The count must be from 0 to {MAX_QUANTITY:,}, not {quantity}.")
    stocktake = _open(session, stocktake_id)
    variant = find_variant(session, code)
    if not variant.track_stock:
        raise InvalidInput(f"{variant.sku} does not track stock, so it is not counted.")
    where = (col(StocktakeLine.stocktake_id) == stocktake_id, col(StocktakeLine.variant_id) == variant.id)
    exists = session.exec(select(StocktakeLine.variant_id).where(*where)).first()
    if exists is None:
        _add_line(session, stocktake, variant.id, variant.sku)
    counted = col(StocktakeLine.counted)
    value: SQLColumnExpression[int | None]
    if mode == "set":
        value = literal(quantity)
    elif mode == "undo":
        current = session.exec(select(StocktakeLine.counted).where(*where)).one()
        if not current:
            raise Conflict(f"{variant.sku} has no count to undo in stocktake {stocktake_id}.")
        value = counted - 1
    else:
        value = func.coalesce(counted, 0) + (1 if mode == "scan" else quantity)
    session.execute(update(StocktakeLine).where(*where).values(counted=value, counted_at=clock.now())
                    .execution_options(synchronize_session=False))
    shop.record(session=session, actor=actor, action=f"stocktake.{mode}", entity="stocktake",
                 entity_id=stocktake_id, summary=f"{variant.sku} {mode}" + (f" {quantity}" if quantity is not None
                                                                            else ""))
    return _lines(session, stocktake, [variant.id])[0]


def set_reason(*, session: Session, actor: Actor, stocktake_id: int, code: str, reason: str) -> CountLineRead:
    """Note why a variance happened (required before posting for variances over the thresholds)."""
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise InvalidInput("The reason must be 1 to 500 characters.", field="reason")
    check_text(reason, "reason", 500, name="reason")
    stocktake = _open(session, stocktake_id)
    variant = find_variant(session, code)
    changed = session.exec(update(StocktakeLine).where(col(StocktakeLine.stocktake_id) == stocktake_id,
                                                       col(StocktakeLine.variant_id) == variant.id)
                           .values(reason=reason).execution_options(synchronize_session=False)).rowcount
    if not changed:
        raise NotFound(f"{variant.sku} is not part of stocktake {stocktake_id}.")
    shop.record(session=session, actor=actor, action="stocktake.reason", entity="stocktake", entity_id=stocktake_id,
                 summary=f"reason for {variant.sku}: {reason}")
    return _lines(session, stocktake, [variant.id])[0]


def import_counts(*, session: Session, actor: Actor, stocktake_id: int, text: str, mode: str = "add") -> ImportResult:
    """Counts from CSV text ``SKU,counted`` (a header row is optional); ``add`` adds to counts, ``set`` replaces.

    Every problem is reported with its line number and nothing is written: unknown SKUs, duplicate
    rows, counts that are not whole numbers of 0 or more, rows without two columns, SKUs out of scope.
    """
    if mode not in ("add", "set"):
        raise InvalidInput(f"The import mode {mode!r} is not add or set.")
    stocktake = _open(session, stocktake_id)
    errors: list[str] = []
    rows: list[tuple[int, str, int]] = []
    seen: dict[str, int] = {}
    for number, record in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        if not record or all(not cell.strip() for cell in record):
            continue
        if number == 1 and record[0].strip().lower() in ("sku", "code", "barcode"):
            continue
        if len(record) != 2:
            errors.append(f"line {number}: expected 2 columns (SKU,counted), found {len(record)}")
            continue
        code, raw = record[0].strip(), record[1].strip()
        if not code:
            errors.append(f"line {number}: the SKU is empty")
            continue
        if not raw.isdigit() or int(raw) > MAX_QUANTITY:
            errors.append(f"line {number}: the count {raw!r} of {code} is not a whole number from 0 to {MAX_QUANTITY:,}")
            continue
        if code in seen:
            errors.append(f"line {number}: {code} is a duplicate of line {seen[code]}")
            continue
        seen[code] = number
        rows.append((number, code, int(raw)))
    if not rows and not errors:
        raise InvalidInput("The file has no counts. Write one 'SKU,counted' per line.")
    codes = [code for _, code, _ in rows]
    by_code: dict[str, int] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        for vid, sku, barcode, tracked in tuples(session.execute(
            sa_select(col(Variant.id), col(Variant.sku), col(Variant.barcode), col(Variant.track_stock))
            .where(or_(col(Variant.sku).in_(chunk), col(Variant.barcode).in_(chunk)))
        )):
            if tracked:
                by_code.setdefault(sku, vid)
                if barcode:
                    by_code.setdefault(barcode, vid)
    in_stocktake = set(session.exec(select(StocktakeLine.variant_id)
                                    .where(StocktakeLine.stocktake_id == stocktake_id)).all())
    resolved: dict[int, tuple[int, int, str]] = {}
    for number, code, value in rows:
        vid = by_code.get(code)
        if vid is None:
            errors.append(f"line {number}: unknown SKU or barcode {code!r} (or it does not track stock)")
        elif vid in resolved:
            errors.append(f"line {number}: {code} is the same variant as line {resolved[vid][0]}")
        else:
            if vid not in in_stocktake and not _in_scope(session, stocktake, vid):
                errors.append(f"line {number}: {code} is not in this stocktake's category")
            resolved[vid] = (number, value, code)
    if errors:
        shown = "; ".join(errors[:10]) + (f"; and {len(errors) - 10} more" if len(errors) > 10 else "")
        raise InvalidInput(f"The count file was not imported, nothing changed: {shown}.")
    for vid, (_, _, code) in resolved.items():
        if vid not in in_stocktake:
            _add_line(session, stocktake, vid, code)
    table = table_of(StocktakeLine)
    new_value = bindparam("value") if mode == "set" else func.coalesce(table.c.counted, 0) + bindparam("value")
    session.connection().execute(
        update(table).where(table.c.stocktake_id == stocktake_id, table.c.variant_id == bindparam("vid"))
        .values(counted=new_value, counted_at=bindparam("at")),
        [{"vid": vid, "value": value, "at": clock.now()} for vid, (_, value, _) in resolved.items()],
    )
    units = sum(value for _, value, _ in resolved.values())
    shop.record(session=session, actor=actor, action="stocktake.import", entity="stocktake", entity_id=stocktake_id,
                 summary=f"{plural(len(resolved), 'count')}, {plural(units, 'unit')} imported ({mode})")
    return ImportResult(lines=len(resolved), units=units)


# ---------------------------------------------------------------- review and post


def _thresholds(session: Session) -> tuple[int, int, int]:

    digits = shop.currency(session=session).digits
    return (int(shop.get(session=session, key="stocktake_variance_units")),
            int(shop.get(session=session, key="stocktake_variance_bp")),
            int(shop.get(session=session, key="stocktake_variance_value")) * 10**digits)


def _over(variance: int, expected: int, value: int, limits: tuple[int, int, int]) -> bool:
    units, bp, money = limits
    if units and abs(variance) > units:
        return True
    if bp and (abs(variance) * 10_000 > bp * expected if expected > 0 else variance != 0):
        return True
    return bool(money and abs(value) > money)


def _lines(session: Session, stocktake: Stocktake, variant_ids: list[int] | None = None) -> list[CountLineRead]:
    query = (sa_select(col(StocktakeLine.variant_id), col(StocktakeLine.expected), col(StocktakeLine.counted),
                       col(StocktakeLine.unit_cost_minor), col(StocktakeLine.reason), col(StocktakeLine.variance),
                       col(Variant.sku), col(Product.title))
             .join(Variant, col(Variant.id) == col(StocktakeLine.variant_id))
             .join(Product, col(Product.id) == col(Variant.product_id))
             .where(col(StocktakeLine.stocktake_id) == stocktake.id))
    if variant_ids is not None:
        query = query.where(col(StocktakeLine.variant_id).in_(variant_ids))
    posted = stocktake.status == "posted"
    moved = {} if posted else _moved_since(session, stocktake, variant_ids)
    after = {} if posted or not moved else _moved_after_count(session, stocktake, variant_ids)
    limits = _thresholds(session)
    out: list[CountLineRead] = []
    for variant_id, expected, counted, cost, reason, booked, sku, title in tuples(session.execute(query)):
        later = after.get(variant_id, 0) if counted is not None else 0
        shift = moved.get(variant_id, 0) - later  # the book level when counted = expected + shift
        if posted:
            variance = booked
        else:
            variance = None if counted is None else counted - (expected + shift)
        value = None if variance is None else variance * cost
        needs = (not posted and variance is not None and not reason
                 and _over(variance, expected + shift, value or 0, limits))
        out.append(CountLineRead(variant_id=variant_id, sku=sku, title=title, expected=expected, moved=shift,
                                 moved_after=later, counted=counted, variance=variance, unit_cost_minor=cost,
                                 value_minor=value, reason=reason, needs_reason=needs))
    return out


def review(*, session: Session, stocktake_id: int) -> StocktakeReview:
    """Counted lines with a variance (largest value first), how many need a reason, and the uncounted lines."""
    stocktake = _row(session, stocktake_id)
    lines = _lines(session, stocktake)
    variances = sorted((line for line in lines if line.variance),
                       key=lambda line: (-abs(line.value_minor or 0), -abs(line.variance or 0), line.sku))
    uncounted = sorted((line for line in lines if line.counted is None), key=lambda line: line.sku)
    matched = sum(1 for line in lines if line.counted is not None and not line.variance)
    return StocktakeReview(stocktake=_read(session, stocktake), variances=variances,
                           needs_reason=sum(1 for line in variances if line.needs_reason), uncounted=uncounted,
                           matched=matched)


def _book(line: CountLineRead) -> int:
    """The book on hand of a line as posting finds it: frozen, plus every movement since (before and after its count)."""
    return line.expected + line.moved + line.moved_after


def post(*, session: Session, actor: Actor, stocktake_id: int, uncounted: str | None = None) -> StocktakeReport:
    """Book every variance as a 'stocktake' movement in this one transaction; a stocktake posts once.

    ``uncounted``: ``zero`` sets variants nobody counted to 0, ``keep`` leaves them unchanged; it
    must be chosen when any variant was not counted.
    """
    stocktake = _row(session, stocktake_id)
    if stocktake.status == "posted":
        from shoptui import wording

        posted = wording.when(stocktake.posted_at, shop.timezone(session=session), none="an unknown time")
        raise Conflict(f"Stocktake {stocktake_id} was already posted on {posted} by {stocktake.posted_by}; "
                       "it posts only once.")
    if stocktake.status != "counting":
        raise Conflict(f"Stocktake {stocktake_id} is {stocktake.status}; it cannot be posted.")
    if uncounted is not None and uncounted not in UNCOUNTED_CHOICES:
        raise InvalidInput(f"Choose --uncounted zero or --uncounted keep, not {uncounted!r}.")
    lines = _lines(session, stocktake)
    not_counted = [line for line in lines if line.counted is None]
    if not_counted and uncounted is None:
        raise InvalidInput(f"{plural(len(not_counted), 'variant')} {'was' if len(not_counted) == 1 else 'were'} not counted (first: {not_counted[0].sku}). Choose "
                           "--uncounted zero to set them to 0 or --uncounted keep to leave them unchanged.")
    limits = _thresholds(session)
    zeroed: list[CountLineRead] = []
    if uncounted == "zero":  # an uncounted line set to 0 is a variance like any other: same thresholds, same reasons
        for line in not_counted:
            variance = -(line.expected + line.moved)
            value = variance * line.unit_cost_minor
            zeroed.append(line.model_copy(update={
                "variance": variance, "value_minor": value,
                "needs_reason": bool(variance and not line.reason
                                     and _over(variance, line.expected + line.moved, value, limits))}))
    blocking = sorted((line for line in [*lines, *zeroed] if line.needs_reason),  # largest value first, as reviewed
                      key=lambda line: (-abs(line.value_minor or 0), -abs(line.variance or 0), line.sku))
    if blocking:
        named = [line.sku + (f" (uncounted, set to 0: {line.variance:+d})" if line.counted is None
                             else f" ({line.variance:+d})") for line in blocking[:5]]
        skus = ", ".join(named) + (f" and {len(blocking) - 5} more" if len(blocking) > 5 else "")
        verbs = "is over the variance thresholds and needs" if len(blocking) == 1 else \
            "are over the variance thresholds and need"
        raise InvalidInput(f"{plural(len(blocking), 'line')} {verbs} a reason before posting: {skus}. "
                           f"Add one with 'shoptui stocktake reason {stocktake_id} SKU \"why\"'.")
    now = clock.now()
    # roll forward: movements after a line was counted stay booked; only the variance at the count is added
    booked: list[tuple[CountLineRead, int]] = [(line, line.variance or 0) for line in lines if line.counted is not None]
    booked += [(line, line.variance or 0) for line in zeroed]
    changes = [(line, delta) for line, delta in booked if delta != 0]
    if booked:  # one driver call for every line (SQLAlchemy's executemany spent ~8 us per line on parameters)
        _SET_VARIANCE.executemany(session, ({"take": stocktake_id, "vid": line.variant_id, "delta": delta}
                                            for line, delta in booked))
    # levels and ledger through the ledger's bulk writer: the same rows a single adjustment books
    book_many(session, actor, stocktake.location_id,
              [Movement(line.variant_id, delta, line.unit_cost_minor, line.reason or "") for line, delta in changes],
              kind="stocktake", reason="stocktake", ref_kind="stocktake", ref_id=stocktake_id, at=now)
    considered = [delta for line, delta in booked if line.counted is not None]  # accuracy: counted lines only
    exact = sum(1 for delta in considered if delta == 0)
    accuracy = None if not considered else exact * 10_000 // len(considered)
    stocktake.status = "posted"
    stocktake.posted_at = now
    stocktake.posted_by = actor.name[:100]
    stocktake.uncounted = uncounted or "keep"
    stocktake.accuracy_bp = accuracy
    session.add(stocktake)
    session.flush()
    shop.record(session=session, actor=actor, action="stocktake.post", entity="stocktake", entity_id=stocktake_id,
                 summary=f"stocktake {stocktake_id} posted: {plural(len(changes), 'adjustment')}, accuracy "
                 + ("-" if accuracy is None else f"{accuracy / 100:.1f}%"),
                 before={"status": "counting", "on_hand": {line.sku: _book(line) for line, _ in changes}},
                 after={"status": "posted", "on_hand": {line.sku: _book(line) + delta for line, delta in changes}})
    # the report as report() reads it back, built from the lines in hand instead of a second pass
    variances = {line.variant_id: delta for line, delta in booked}
    posted_lines = []
    for line in lines:
        booked_delta = variances.get(line.variant_id)
        posted_lines.append(line.model_copy(update={
            "moved": 0, "moved_after": 0, "variance": booked_delta, "needs_reason": False,
            "value_minor": None if booked_delta is None else booked_delta * line.unit_cost_minor}))
    return _report(_read(session, stocktake), posted_lines)


def report(*, session: Session, stocktake_id: int) -> StocktakeReport:
    """The stocktake with every line (counted, expected, variance, value, reason) and totals."""
    stocktake = _row(session, stocktake_id)
    return _report(_read(session, stocktake), _lines(session, stocktake))


def _report(header: StocktakeRead, lines: list[CountLineRead]) -> StocktakeReport:
    lines = sorted(lines, key=lambda line: (-abs(line.value_minor or 0), line.sku))
    with_variance = [line for line in lines if line.variance]
    return StocktakeReport(stocktake=header, lines=lines, adjusted=len(with_variance),
                           units_variance=sum(line.variance or 0 for line in with_variance),
                           value_variance_minor=sum(line.value_minor or 0 for line in with_variance))


def cancel(*, session: Session, actor: Actor, stocktake_id: int) -> StocktakeRead:
    """Stop a count without booking anything."""
    stocktake = _open(session, stocktake_id)
    stocktake.status = "cancelled"
    session.add(stocktake)
    session.flush()
    shop.record(session=session, actor=actor, action="stocktake.cancel", entity="stocktake", entity_id=stocktake_id,
                 summary=f"stocktake {stocktake_id} cancelled")
    return _read(session, stocktake)


def get_stocktake(*, session: Session, stocktake_id: int) -> StocktakeRead:
    """One stocktake's header and progress (NotFound names the id)."""
    return _read(session, _row(session, stocktake_id))


def list_stocktakes(*, session: Session, limit: int = 50) -> list[StocktakeRead]:
    """Stocktakes, newest first."""
    rows = session.exec(select(Stocktake).order_by(col(Stocktake.id).desc()).limit(max(1, min(limit, 500))))
    return [_read(session, row) for row in rows]
