"""The product form (add and edit): fields, up to three options, one row per variant.

What the operator typed is gathered into a plain :class:`ProductDraft` on the UI thread; a worker
parses amounts (the store's currency), checks SKUs, barcodes and tags with the catalogue's own
checks, then saves everything in one transaction through the catalogue service. A refusal is
shown next to the field it names (``exc.field``, see :func:`input_for`), and nothing is saved.
Editing passes the version the form loaded: a product someone else changed meanwhile is refused
with the service's sentence, and ctrl+r reloads it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from shoptui.errors import Conflict, ShopError
from shoptui.tui.text import choices, plain
from shoptui.tui.widgets.steady_footer import SteadyFooter
from shoptui.tui.workers import ReportsWorkerErrors
from shoptui.wording import plural

if TYPE_CHECKING:
    from shoptui.services.catalog import CategoryRead, ProductRead
    from shoptui.tui.app import ShopApp

MAX_OPTIONS = 3
STATUSES = ("draft", "active", "archived")
VARIANT_FIELDS = ("sku", "barcode", "price", "compare", "cost", "weight")


@dataclass(frozen=True)
class VariantDraft:
    """One variant row as typed (text, not yet parsed)."""

    index: int
    original_sku: str | None  # the SKU in the store (None: a new variant)
    options: tuple[str, ...]
    sku: str = ""
    barcode: str = ""
    price: str = ""
    compare: str = ""
    cost: str = ""
    weight: str = ""
    track: bool = True


@dataclass(frozen=True)
class ProductDraft:
    """The whole form as typed."""

    product_id: int | None
    version: int | None
    title: str
    status: str
    category_id: int | None
    brand: str
    tags: str
    images: str
    description: str
    options: list[tuple[str, list[str]]]
    variants: list[VariantDraft] = field(default_factory=list)


def split_list(text: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``"""
    return [part.strip() for part in text.split(",") if part.strip()]


# a refusal's ``field`` (a ProductCreate/ProductUpdate field) -> this form's field key
PRODUCT_INPUTS = {"title": "title", "status": "status", "category_id": "category", "brand": "brand", "tags": "tags",
                  "images": "images", "description": "description", "option_names": "options", "options": "options"}
# a VariantInput field -> the suffix of its input in a variant row (``v3-price``); option values are typed as options
VARIANT_INPUTS = {"sku": "sku", "barcode": "barcode", "price_minor": "price", "compare_at_minor": "compare",
                  "cost_minor": "cost", "weight_g": "weight", "option1": "options", "option2": "options",
                  "option3": "options"}


def input_for(field: str | None, draft: ProductDraft) -> str | None:
    """The form field a refusal's ``field`` names (``title``, ``v2-price``...), or None for the banner.

    A variant's field comes as ``variants.<n>.<VariantInput field>`` (``variants.1.price_minor``): ``n`` is the
    variant's place in ``draft.variants`` from 0, as in ``ProductCreate.variants`` (catalog.in_variant); the
    form's row keeps its own ``index`` for input ids, so the place is mapped to that row."""
    if field is None:
        return None
    match = re.fullmatch(r"variants\.(\d+)\.(\w+)", field)
    if match is None:
        return PRODUCT_INPUTS.get(field)
    place, name = int(match[1]), VARIANT_INPUTS.get(match[2])
    if name is None or place >= len(draft.variants):
        return None
    return name if name == "options" else f"v{draft.variants[place].index}-{name}"


class FieldRow(Vertical):
    """A label, an input and the sentence that refused its value (shown only then)."""

    def __init__(self, key: str, label: str, widget: Widget) -> None:
        super().__init__(id=f"field-{key}")
        self.key = key
        self.label = label
        self.widget = widget
        widget.add_class("field-input")

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(plain(self.label), classes="field-label", markup=False)
            yield self.widget
        yield Static("", classes="field-error", markup=False)

    def show_error(self, sentence: str | None) -> None:
        """Show (or, with None, hide) the refusal under the field."""
        self.set_class(sentence is not None, "-invalid")
        self.query_one(".field-error", Static).update(plain(sentence or ""))


class VariantRow(Vertical):
    """One variant: its option values, SKU, barcode, price, compare-at, cost, weight, stock tracking."""

    def __init__(self, draft: VariantDraft) -> None:
        super().__init__(id=f"variant-{draft.index}")
        self.draft = draft

    def compose(self) -> ComposeResult:
        d = self.draft
        i = d.index
        label = " / ".join(d.options) or "(default)"
        with Horizontal():
            yield Label(plain(label), classes="variant-options", markup=False)
            yield Input(d.sku, id=f"v{i}-sku", classes="v-sku", compact=True, placeholder="SKU", tooltip="SKU (required, unique)")
            yield Input(d.barcode, id=f"v{i}-barcode", classes="v-barcode", compact=True, placeholder="barcode",
                        tooltip="Barcode: EAN-13, UPC-A or EAN-8 check digits are verified")
            yield Input(d.price, id=f"v{i}-price", classes="v-price", compact=True, placeholder="price", tooltip="Price, e.g. 79.00")
            yield Input(d.compare, id=f"v{i}-compare", classes="v-compare", compact=True, placeholder="was",
                        tooltip="Compare-at price (optional)")
            yield Input(d.cost, id=f"v{i}-cost", classes="v-cost", compact=True, placeholder="cost", tooltip="Cost (optional)")
            yield Input(d.weight, id=f"v{i}-weight", classes="v-weight", compact=True, placeholder="g",
                        tooltip="Weight in grams (optional)")
            yield Checkbox("", d.track, id=f"v{i}-track", compact=True, tooltip="Track stock of this variant")
        yield Static("", classes="variant-error", markup=False)

    def read(self) -> VariantDraft:
        """The row's values as typed now."""
        i = self.draft.index

        def text(name: str) -> str:
            return self.query_one(f"#v{i}-{name}", Input).value

        return VariantDraft(index=i, original_sku=self.draft.original_sku, options=self.draft.options,
                            sku=text("sku"), barcode=text("barcode"), price=text("price"), compare=text("compare"),
                            cost=text("cost"), weight=text("weight"), track=self.query_one(f"#v{i}-track", Checkbox).value)

    def show_error(self, name: str | None, sentence: str | None) -> None:
        """Mark the refused input and show the sentence under the row (None clears)."""
        for each in self.query(Input):
            each.remove_class("-invalid")
        if name is not None:
            self.query_one(f"#v{self.draft.index}-{name}", Input).add_class("-invalid")
        self.set_class(sentence is not None, "-invalid")
        self.query_one(".variant-error", Static).update(plain(sentence or ""))


class ProductFormScreen(ReportsWorkerErrors, ModalScreen[int | None]):
    """Add or edit a product; dismissed with its id when saved (None when cancelled)."""

    BINDINGS = [
        Binding("ctrl+s,f12", "save", "Save", id="product-form-save",
                tooltip="Check and save the product and its variants in one go (ctrl+s or F12)."),
        Binding("ctrl+g", "generate", "Variants", id="product-form-generate",
                tooltip="Make a variant row for every combination of the option values (keeps rows you have)."),
        Binding("ctrl+r", "reload", "Reload", id="product-form-reload",
                tooltip="Forget your changes and read the product again from the store."),
        Binding("escape", "cancel", "Cancel", id="product-form-cancel", tooltip="Close the form without saving."),
    ]

    @dataclass
    class Loaded(Message):
        """What the form needs: the product (None when new), the categories, the currency digits."""

        product: ProductRead | None
        categories: list[CategoryRead]
        digits: int

    @dataclass
    class Refused(Message):
        """Nothing was saved: field key -> sentence (key None: not about one field)."""

        errors: dict[str | None, str]

    @dataclass
    class Stale(Message):
        """Someone else changed the product since the form loaded it."""

        sentence: str

    @dataclass
    class Saved(Message):
        """The product was saved."""

        product_id: int
        title: str
        created: bool

    def __init__(self, *, product_id: int | None, category_id: int | None = None) -> None:
        super().__init__()
        self.product_id = product_id
        self.default_category = category_id
        self.version: int | None = None
        self.digits = 2
        self.loaded = False
        self._next_index = 0

    @property
    def shop(self) -> ShopApp:
        """The app, typed."""
        return cast("ShopApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Static("", id="form-banner", markup=False)
            with VerticalScroll(id="form-scroll"):
                yield FieldRow("title", "Title", Input(id="form-title", compact=True, placeholder="what the customer sees"))
                yield FieldRow("status", "Status", Select([(s, s) for s in STATUSES], value="draft", allow_blank=False,
                                                            id="form-status", compact=True))
                yield FieldRow("category", "Category", Select([], prompt="no category", id="form-category", compact=True))
                yield FieldRow("brand", "Brand", Input(id="form-brand", compact=True))
                yield FieldRow("tags", "Tags", Input(id="form-tags", compact=True, placeholder="comma separated"))
                yield FieldRow("images", "Images", Input(id="form-images", compact=True,
                                                         placeholder="file paths or URLs, comma separated; first is the cover"))
                yield FieldRow("description", "Description", TextArea(id="form-description", compact=True,
                                                                       show_line_numbers=False))
                yield Static("Options  (e.g. Size: S, M, L — then ctrl+g makes the variant rows)", classes="form-section",
                             markup=False)
                yield FieldRow("options", "", Vertical(id="form-options"))
                yield Static("Variants", classes="form-section", markup=False)
                with Horizontal(id="variants-head"):
                    yield Label("options", classes="h-options")
                    for name, css in (("SKU", "h-wide"), ("barcode", "h-wide"), ("price", "h-narrow"),
                                      ("was", "h-narrow"), ("cost", "h-narrow"), ("grams", "h-narrow")):
                        yield Label(plain(name), classes=css)
                    yield Label("stock", classes="h-track")
                yield Vertical(id="form-variants")
                with Horizontal(id="form-buttons"):
                    yield Button("Save (ctrl+s)", id="form-save", variant="primary", compact=True)
                    yield Button("Make variants (ctrl+g)", id="form-generate", compact=True)
                    yield Button("Cancel (esc)", id="form-cancel", compact=True)
        yield SteadyFooter(compact=True)

    async def on_mount(self) -> None:
        options = self.query_one("#form-options", Vertical)
        options.styles.height = "auto"
        lines = []
        for i in range(MAX_OPTIONS):
            lines.append(Horizontal(
                Input(id=f"option{i}-name", classes="option-name", compact=True, placeholder=f"option {i + 1}"),
                Input(id=f"option{i}-values", classes="option-values", compact=True, placeholder="values, comma separated"),
                classes="option-line"))
        await options.mount_all(lines)
        self.query_one("#form-box").border_title = plain("New product" if self.product_id is None else "Edit product")
        self.load()

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="product-form-load", exit_on_error=False)
    def load(self) -> None:
        """The product (when editing), the categories and the currency."""
        from shoptui import db
        from shoptui.services import catalog, shop

        with db.read_session(self.shop.db_url) as session:
            digits = shop.currency(session=session).digits
            categories = catalog.list_categories(session=session)
            product = catalog.get_product(session=session, product_id=self.product_id) if self.product_id else None
        self.post_message(self.Loaded(product, categories, digits))

    @on(Loaded)
    async def _fill(self, event: Loaded) -> None:
        from shoptui.money import format_money

        self.digits = event.digits
        category = self.query_one("#form-category", Select)
        category.set_options(choices((c.full_name, c.id) for c in event.categories))
        p = event.product

        def money(minor: int | None) -> str:
            return "" if minor is None else format_money(minor, self.digits)

        if p is None:
            if self.default_category is not None and any(c.id == self.default_category for c in event.categories):
                category.value = self.default_category
            drafts = [VariantDraft(index=0, original_sku=None, options=())]
        else:
            self.version = p.version
            self.query_one("#form-box").border_title = plain(f"Edit {p.title}")
            self.query_one("#form-box").border_subtitle = plain(f"version {p.version}")
            self.query_one("#form-title", Input).value = p.title
            self.query_one("#form-status", Select).value = p.status
            if p.category_id is not None:
                category.value = p.category_id
            else:
                category.clear()
            self.query_one("#form-brand", Input).value = p.brand or ""
            self.query_one("#form-tags", Input).value = ", ".join(p.tags)
            self.query_one("#form-images", Input).value = ", ".join(p.images)
            self.query_one("#form-description", TextArea).text = p.description
            for i in range(MAX_OPTIONS):
                option = p.options[i] if i < len(p.options) else None
                self.query_one(f"#option{i}-name", Input).value = option.name if option else ""
                self.query_one(f"#option{i}-values", Input).value = ", ".join(option.values) if option else ""
            drafts = [VariantDraft(index=i, original_sku=v.sku, options=tuple(v.options), sku=v.sku,
                                   barcode=v.barcode or "", price=money(v.price_minor), compare=money(v.compare_at_minor),
                                   cost=money(v.cost_minor), weight="" if v.weight_g is None else str(v.weight_g),
                                   track=v.track_stock) for i, v in enumerate(p.variants)]
        await self._set_rows(drafts)
        self.clear_errors()
        self.loaded = True
        self.query_one("#form-title", Input).focus()

    async def _set_rows(self, drafts: list[VariantDraft]) -> None:
        box = self.query_one("#form-variants", Vertical)
        await box.remove_children()
        renumbered = []
        for draft in drafts:
            renumbered.append(VariantDraft(**{**draft.__dict__, "index": self._next_index}))
            self._next_index += 1
        await box.mount_all([VariantRow(d) for d in renumbered])

    def rows(self) -> list[VariantRow]:
        """The variant rows in order."""
        return list(self.query(VariantRow))

    # ------------------------------------------------------------ gathering

    def option_specs(self) -> list[tuple[str, list[str]]]:
        """The options typed so far: (name, values), skipping empty lines."""
        specs = []
        for i in range(MAX_OPTIONS):
            name = self.query_one(f"#option{i}-name", Input).value.strip()
            values = split_list(self.query_one(f"#option{i}-values", Input).value)
            if name or values:
                specs.append((name, values))
        return specs

    def draft(self) -> ProductDraft:
        """Everything typed, as plain text."""
        category = self.query_one("#form-category", Select).value
        status = self.query_one("#form-status", Select).value
        return ProductDraft(
            product_id=self.product_id, version=self.version,
            title=self.query_one("#form-title", Input).value, status=str(status) if status is not Select.NULL else "draft",
            category_id=category if isinstance(category, int) else None,  # a category's id, or Select.NULL
            brand=self.query_one("#form-brand", Input).value, tags=self.query_one("#form-tags", Input).value,
            images=self.query_one("#form-images", Input).value,
            description=self.query_one("#form-description", TextArea).text,
            options=self.option_specs(), variants=[row.read() for row in self.rows()])

    # ------------------------------------------------------------ actions

    async def action_generate(self) -> None:
        """One row per combination of option values; rows already there keep what was typed."""
        specs = self.option_specs()
        if any(not name or not values for name, values in specs):
            self.show_errors({"options": "Every option needs a name and at least one value, e.g. Size: S, M, L."})
            return
        current = [row.read() for row in self.rows()]
        combos = list(itertools.product(*[values for _, values in specs])) if specs else [()]
        if len(combos) > 250:
            self.show_errors({"options": f"{len(combos)} combinations; at most 250 variants are allowed."})
            return
        by_combo = {tuple(v.lower() for v in d.options): d for d in current}
        template = current[0] if current else VariantDraft(index=0, original_sku=None, options=())
        from shoptui.services.catalog import sku_part, sku_stem

        base = sku_stem([(d.sku.strip(), d.options) for d in current], "SKU")  # the same stem the service uses
        drafts: list[VariantDraft] = []
        used: set[int] = set()
        for combo in combos:
            found = by_combo.get(tuple(v.lower() for v in combo))
            if found is None and len(current) == 1 and not current[0].options and not drafts:
                found = VariantDraft(**{**current[0].__dict__, "options": tuple(combo)})  # the default variant takes the first combination
            if found is not None:
                used.add(found.index)
                drafts.append(VariantDraft(**{**found.__dict__, "options": tuple(combo)}))
                continue
            sku = "-".join([base, *(sku_part(v) for v in combo)])
            drafts.append(VariantDraft(index=0, original_sku=None, options=tuple(combo), sku=sku, price=template.price,
                                       compare=template.compare, cost=template.cost, weight=template.weight,
                                       track=template.track))
        kept = [d for d in current if d.index not in used and d.original_sku is not None]  # saved rows are never dropped
        await self._set_rows(drafts + kept)
        message = f"{len(drafts)} variant rows"
        if kept:
            message += f"; {plural(len(kept), 'saved variant')} no longer offered {'is' if len(kept) == 1 else 'are'} kept (delete them with 'shoptui variant')"
        self.app.notify(message + ". Fill in the prices, then ctrl+s.", markup=False)

    def action_save(self) -> None:
        """Check and save (in a worker, one transaction)."""
        if not self.loaded:
            return
        self.clear_errors()
        self.save(self.draft())

    def action_reload(self) -> None:
        """Read the product again (forgets what was typed)."""
        self.loaded = False
        self.load()

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)

    @on(Button.Pressed)
    async def _button(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "form-save":
            self.action_save()
        elif event.button.id == "form-generate":
            await self.action_generate()
        else:
            self.action_cancel()

    # ------------------------------------------------------------ saving

    @work(thread=True, exclusive=True, group="product-form-save", exit_on_error=False)
    def save(self, draft: ProductDraft) -> None:
        """Parse and check every value, then create or update the product in one transaction."""
        from shoptui import db

        errors, variants = self._parse(draft)
        if errors:
            self.post_message(self.Refused(errors))
            return
        try:
            product = db.run_transaction(lambda session: self._write(session, draft, variants), self.shop.db_url)
        except ShopError as exc:
            if isinstance(exc, Conflict) and exc.field == "expect_version":
                self.post_message(self.Stale(str(exc)))
            else:
                self.post_message(self.Refused({input_for(exc.field, draft): str(exc)}))
            return
        self.post_message(self.Saved(product.id, product.title, draft.product_id is None))

    def _parse(self, draft: ProductDraft) -> tuple[dict[str | None, str], list[Any]]:
        """Every value that can be checked without the store; all refusals at once."""
        from shoptui.money import parse_money
        from shoptui.services import catalog

        errors: dict[str | None, str] = {}
        parsed: list[Any] = []
        for v in draft.variants:
            name = v.sku.strip() or "this variant"
            values: dict[str, Any] = {}

            def check(key: str, fn: Any, v: VariantDraft = v, values: dict[str, Any] = values) -> None:
                try:
                    values[key] = fn()
                except ShopError as exc:
                    errors.setdefault(f"v{v.index}-{key}", str(exc))

            check("sku", lambda v=v: catalog.check_sku(v.sku))
            # digits are checked here; an in-store code against the store's pattern when saving
            check("barcode", lambda v=v: catalog.check_barcode(v.barcode, r"(?s).*"))
            if not v.price.strip():
                errors[f"v{v.index}-price"] = f"The price of {name} is required; write it like 12.50."
            else:
                check("price", lambda v=v, name=name: parse_money(v.price, self.digits, field=f"price of {name}"))
            for key, label in (("compare", "compare-at price"), ("cost", "cost")):
                text = getattr(v, key).strip()
                if text:
                    check(key, lambda text=text, label=label, name=name: parse_money(text, self.digits,
                                                                                     field=f"{label} of {name}"))
                else:
                    values[key] = None
            weight = v.weight.strip()
            if not weight:
                values["weight"] = None
            elif not weight.isdigit():
                errors[f"v{v.index}-weight"] = f"The weight of {name} must be whole grams, like 250, not {weight!r}."
            else:
                values["weight"] = int(weight)
            parsed.append(values)
        for tag in split_list(draft.tags):
            try:
                catalog.check_tag(tag)
            except ShopError as exc:
                errors.setdefault("tags", str(exc))
        if len(draft.options) > MAX_OPTIONS:
            errors["options"] = f"A product can have at most {MAX_OPTIONS} options."
        for option_name, option_values in draft.options:
            if not option_name or not option_values:
                errors.setdefault("options", "Every option needs a name and at least one value, e.g. Size: S, M, L.")
        return errors, parsed

    def _write(self, session: Any, draft: ProductDraft, parsed: list[dict[str, Any]]) -> ProductRead:
        """Create, or update fields, options and variants, through the catalogue service."""
        from shoptui.services import catalog

        actor = self.shop.actor
        names = [name for name, _ in draft.options]

        def variant_input(v: VariantDraft, values: dict[str, Any]) -> Any:
            options = (list(v.options) + [None, None, None])[:3]
            return catalog.VariantInput(sku=values["sku"], barcode=values["barcode"], option1=options[0],
                                        option2=options[1], option3=options[2], price_minor=values["price"],
                                        compare_at_minor=values["compare"], cost_minor=values["cost"],
                                        weight_g=values["weight"], track_stock=v.track)

        tags = split_list(draft.tags)
        images = split_list(draft.images)
        if draft.product_id is None:
            return catalog.create_product(session=session, actor=actor, data=catalog.ProductCreate(
                title=draft.title, description=draft.description, status=draft.status, category_id=draft.category_id,
                brand=draft.brand or None, tags=tags, images=images, option_names=names,
                variants=[variant_input(v, values) for v, values in zip(draft.variants, parsed, strict=True)]))
        product_id = draft.product_id
        current = catalog.get_product(session=session, product_id=product_id)
        patch: dict[str, Any] = {"title": draft.title, "description": draft.description, "status": draft.status,
                                 "category_id": draft.category_id, "brand": draft.brand or None, "tags": tags,
                                 "images": images}
        adding_options = len(names) > len(current.options)
        if not adding_options:
            patch["option_names"] = names
        catalog.update_product(session=session, actor=actor, product_id=product_id,
                               patch=catalog.ProductUpdate(**patch), expect_version=draft.version)
        generated: dict[tuple[str, ...], str] = {}
        if adding_options:
            result = catalog.generate_variants(session=session, actor=actor, product_id=product_id,
                                               options=[catalog.OptionInput(name=n, values=vals) for n, vals in draft.options])
            generated = {tuple(x.lower() for x in v.options): v.sku for v in result.product.variants}
        for place, (v, values) in enumerate(zip(draft.variants, parsed, strict=True)):
            data = variant_input(v, values)
            key = tuple(x.lower() for x in v.options)
            target = v.original_sku or (generated.get(key) if adding_options else None)
            with catalog.in_variant(place):  # a refusal names this row's field, as create_product's do
                if target is not None:
                    catalog.update_variant(session=session, actor=actor, sku=target,
                                           patch=catalog.VariantUpdate(**data.model_dump()))
                else:
                    catalog.add_variant(session=session, actor=actor, product_id=product_id, data=data)
        return catalog.get_product(session=session, product_id=product_id)

    # ------------------------------------------------------------ outcome

    def clear_errors(self) -> None:
        """Hide every refusal."""
        for row in self.query(FieldRow):
            row.show_error(None)
        for variant in self.rows():
            variant.show_error(None, None)
        banner = self.query_one("#form-banner", Static)
        banner.remove_class("-shown")
        banner.update(plain(""))

    def show_errors(self, errors: dict[str | None, str]) -> None:
        """Each sentence next to its field (the rest in the banner); the cursor goes to the first."""
        first: Widget | None = None
        general: list[str] = []
        for key, sentence in errors.items():
            if key is None:
                general.append(sentence)
                continue
            match = re.fullmatch(r"v(\d+)-(\w+)", key)
            if match:
                rows = [r for r in self.rows() if r.draft.index == int(match[1])]
                if not rows:
                    general.append(sentence)
                    continue
                rows[0].show_error(match[2], sentence)
                target: Widget = rows[0].query_one(f"#{key}")
            else:
                row = self.query_one(f"#field-{key}", FieldRow)
                row.show_error(sentence)
                target = row.widget if key != "options" else self.query_one("#option0-name", Input)
            first = first or target
        if general:
            banner = self.query_one("#form-banner", Static)
            banner.update(plain("\n".join(general)))
            banner.add_class("-shown")
        if first is not None:
            first.focus()
            first.scroll_visible(animate=False)

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        self.show_errors(event.errors)
        count = len(event.errors)
        self.app.notify(f"Nothing was saved: {count} thing{'s' if count != 1 else ''} to fix (shown in red).",
                        severity="warning", markup=False)

    @on(Stale)
    def _stale(self, event: Stale) -> None:
        banner = self.query_one("#form-banner", Static)
        banner.update(plain(f"{event.sentence}\nctrl+r reloads it (your changes here are forgotten); esc leaves without saving."))
        banner.add_class("-shown")
        self.app.notify(event.sentence, severity="warning", markup=False)

    @on(Saved)
    def _saved(self, event: Saved) -> None:
        verb = "Added" if event.created else "Saved"
        self.shop.announce(f"{verb} {event.title}.")
        self.dismiss(event.product_id)
