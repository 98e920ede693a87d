"""Restock, adjust, transfer and reorder-level dialogs of the inventory screen.

Each one is a :class:`~shoptui.tui.widgets.form.FormDialog`: text is parsed and the
service called in one transaction inside a worker; a refusal (the service's sentence) is shown
next to its field and nothing is booked.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.widgets import Input, Select

from shoptui.errors import InvalidInput
from shoptui.tui.screens.inventory.common import StockMeta
from shoptui.tui.text import choices
from shoptui.tui.widgets.form import Field, FormDialog, whole_number


def _location_select(meta: StockMeta, value: str, *, widget_id: str, tooltip: str) -> Select[str]:
    options = meta.location_options()
    codes = [code for _, code in options]
    chosen = value if value in codes else (meta.default_location or Select.NULL)
    return Select(choices(options), value=chosen, allow_blank=not options, id=widget_id, compact=True, tooltip=tooltip)


class StockDialog(FormDialog):
    """The common part: which SKU, at which location."""

    FIELD_NAMES: ClassVar[dict[str, str]] = {"code": "sku"}

    def __init__(self, meta: StockMeta, sku: str = "", location: str = "", intro: str = "") -> None:
        super().__init__(intro)
        self.meta = meta
        self.sku = sku
        self.location = location

    def sku_field(self) -> Field:
        """The SKU (or barcode) being changed; prefilled with the highlighted row."""
        return Field("sku", "SKU/barcode", Input(self.sku, id="f-sku", compact=True, placeholder="SKU or scan a barcode",
                                                 tooltip="The variant: its SKU or barcode."))

    def parse_money(self, text: str, what: str, *, name: str | None = None) -> int | None:
        """An amount in the store's currency (blank: None); a refusal marks the field ``name``."""
        from shoptui.money import parse_money

        return None if not text.strip() else parse_money(text, self.meta.store.digits, field=what, name=name)


class RestockDialog(StockDialog):
    """Goods in: a quantity, an optional unit cost (moving average), location, supplier, note."""

    TITLE_TEXT = "Restock: goods in"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"code": "sku", "unit_cost_minor": "cost"}
    SAVE_LABEL = "book the receipt"

    def fields(self) -> list[Field]:
        return [
            self.sku_field(),
            Field("quantity", "Quantity", Input("", id="f-quantity", compact=True, placeholder="how many arrived",
                                                tooltip="How many arrived: a whole number above zero.")),
            Field("cost", "Unit cost", Input("", id="f-cost", compact=True, placeholder=f"like 12.50 {self.meta.store.currency}",
                                             tooltip="Cost of one unit; the variant's cost becomes the moving average."),
                  "optional; updates the moving average cost"),
            Field("location", "Location", _location_select(self.meta, self.location, widget_id="f-location",
                                                           tooltip="Where the goods are put.")),
            Field("supplier", "Supplier", Input("", id="f-supplier", compact=True, placeholder="name or id (optional)",
                                                tooltip="Who delivered; becomes the usual supplier when it has none.")),
            Field("note", "Note", Input("", id="f-note", compact=True, placeholder="kept on the ledger line",
                                        tooltip="A note on the ledger line (delivery note number…).")),
        ]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services.inventory import restock

        quantity = whole_number(values["quantity"], "quantity", field="quantity")
        cost = self.parse_money(values["cost"], "cost", name="cost")
        with db.transaction(self.shop.db_url) as session:
            return restock(session=session, actor=self.shop.actor, code=values["sku"], quantity=quantity,
                                     unit_cost_minor=cost, location=values["location"],
                                     supplier=values["supplier"].strip() or None, note=values["note"].strip())


class AdjustDialog(StockDialog):
    """A correction by hand: a signed quantity and a reason."""

    TITLE_TEXT = "Adjust stock by hand"
    SAVE_LABEL = "book the adjustment"

    def fields(self) -> list[Field]:
        return [
            self.sku_field(),
            Field("quantity", "Change", Input("", id="f-quantity", compact=True, placeholder="-3 removes three, 2 adds two",
                                              tooltip="Signed change of on hand: -3 removes three, 2 adds two.")),
            Field("reason", "Reason", Select([(r, r) for r in self.meta.reasons], prompt="choose a reason",
                                             id="f-reason", compact=True, tooltip="Why the stock changed.")),
            Field("location", "Location", _location_select(self.meta, self.location, widget_id="f-location",
                                                           tooltip="Where the stock is.")),
            Field("note", "Note", Input("", id="f-note", compact=True, placeholder="what happened",
                                        tooltip="A note kept on the ledger line.")),
        ]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services.inventory import adjust

        quantity = whole_number(values["quantity"], "adjustment", signed=True, field="quantity")
        if values["reason"] is None:
            raise InvalidInput(f"Choose a reason: {', '.join(self.meta.reasons)}.", field="reason")
        with db.transaction(self.shop.db_url) as session:
            return adjust(session=session, actor=self.shop.actor, code=values["sku"], quantity=quantity,
                                    reason=values["reason"], location=values["location"], note=values["note"].strip())


class TransferDialog(StockDialog):
    """Move stock between two locations."""

    TITLE_TEXT = "Transfer between locations"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"code": "sku", "from_location": "from", "to_location": "to"}
    SAVE_LABEL = "book the transfer"

    def fields(self) -> list[Field]:
        others = [loc.code for loc in self.meta.locations if loc.code != (self.location or self.meta.default_location)]
        return [
            self.sku_field(),
            Field("quantity", "Quantity", Input("", id="f-quantity", compact=True, placeholder="how many to move",
                                                tooltip="How many to move: a whole number above zero.")),
            Field("from", "From", _location_select(self.meta, self.location, widget_id="f-from",
                                                   tooltip="Take the stock from here.")),
            Field("to", "To", _location_select(self.meta, others[0] if others else "", widget_id="f-to",
                                               tooltip="Put the stock here.")),
            Field("note", "Note", Input("", id="f-note", compact=True, placeholder="optional",
                                        tooltip="A note kept on both ledger lines.")),
        ]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services.inventory import transfer

        quantity = whole_number(values["quantity"], "transfer quantity", field="quantity")
        with db.transaction(self.shop.db_url) as session:
            return transfer(session=session, actor=self.shop.actor, code=values["sku"], quantity=quantity,
                                      from_location=values["from"] or "", to_location=values["to"] or "",
                                      note=values["note"].strip())


class LevelsDialog(StockDialog):
    """A variant's safety stock, reorder point and usual supplier."""

    TITLE_TEXT = "Reorder point and safety stock"
    FIELD_NAMES: ClassVar[dict[str, str]] = {"code": "sku", "safety_stock": "safety", "reorder_point": "reorder"}
    SAVE_LABEL = "save the levels"

    def __init__(self, meta: StockMeta, sku: str, *, safety: int, reorder: int | None, intro: str = "") -> None:
        super().__init__(meta, sku, intro=intro)
        self.safety = safety
        self.reorder = reorder

    def fields(self) -> list[Field]:
        suppliers = [(name, str(sid)) for sid, name in self.meta.suppliers]
        return [
            self.sku_field(),
            Field("reorder", "Reorder point", Input("" if self.reorder is None else str(self.reorder), id="f-reorder",
                                                    compact=True, placeholder="blank: no low-stock alert",
                                                    tooltip="Alert and suggest a reorder when available falls to this.")),
            Field("safety", "Safety stock", Input(str(self.safety), id="f-safety", compact=True,
                                                  tooltip="Units kept for demand swings.")),
            Field("supplier", "Supplier", Select(choices(suppliers), prompt="unchanged", id="f-supplier", compact=True,
                                                 tooltip="The usual supplier (for reorder suggestions).")),
        ]

    def save(self, values: dict[str, Any]) -> Any:
        from shoptui import db
        from shoptui.services.inventory import set_levels

        raw_reorder = values["reorder"].strip()
        reorder = whole_number(raw_reorder, "reorder point", field="reorder") if raw_reorder else None
        safety = whole_number(values["safety"], "safety stock", field="safety")
        with db.transaction(self.shop.db_url) as session:
            return set_levels(session=session, actor=self.shop.actor, code=values["sku"],
                                        safety_stock=safety, reorder_point=reorder,
                                        clear_reorder_point=reorder is None, supplier=values["supplier"])
