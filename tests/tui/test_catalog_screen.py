"""The products screen: list, filters, paging, search, detail, form, conflicts, bulk, archive, delete."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from shoptui import db, modules
from shoptui.modules import catalog as catalog_module
from shoptui.modules import core
from shoptui.modules import inventory as inventory_module
from shoptui.services.catalog import categories, products
from shoptui.services.catalog import transfer as catalog_io
from shoptui.services.shop import settings
from shoptui.tui.app import ShopApp
from shoptui.tui.screens.catalog.bulk import BulkDialog
from shoptui.tui.screens.catalog.detail import ProductDetailScreen
from shoptui.tui.screens.catalog.form import FieldRow, ProductFormScreen, VariantRow
from shoptui.tui.screens.catalog.screen import ProductsScreen, page_size
from shoptui.tui.widgets.confirm import Confirm
from shoptui.tui.widgets.search import SearchBox
from tests.conftest import CLERK
from tests.store_files import copy_store, execute, seal_template, store_copy
from tests.tui.conftest import settle, until


@pytest.fixture(autouse=True)
def catalog_registry(core_registry: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shell sees the core, catalogue and inventory modules (whatever else is installed)."""
    monkeypatch.setattr(modules, "all_modules", lambda: (core.MODULE, catalog_module.MODULE, inventory_module.MODULE))
    settings.definitions.cache_clear()
    yield
    settings.definitions.cache_clear()


DEMO_IMAGES = Path("/tmp/shoptui-test-demo-images")


@pytest.fixture(scope="session")
def demo_template(template_store: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The migrated store with the demo catalogue, loaded once per run at the frozen time."""
    from shoptui import clock
    from tests.conftest import FROZEN_AT

    url = copy_store(template_store, tmp_path_factory.mktemp("demo"), "demo.db")
    with clock.frozen(FROZEN_AT), db.transaction(url) as session:
        settings.set_value(session=session, actor=CLERK, key="name", raw="Corner Shop")
        catalog_io.load_demo(session=session, actor=CLERK)
    # the demo's image paths point into this checkout; snapshots must not depend on where that is
    images = catalog_io.DEMO_DIR / "images"
    DEMO_IMAGES.mkdir(parents=True, exist_ok=True)
    for image in images.iterdir():
        shutil.copy(image, DEMO_IMAGES / image.name)
    db.dispose_all()
    execute(url, "UPDATE product_image SET location = replace(location, :old, :new)",
            params={"old": str(images), "new": str(DEMO_IMAGES)})
    return seal_template(url)


@pytest.fixture
def demo_store(demo_template: str, tmp_path: Path) -> Iterator[str]:
    """A copy of the demo store for one test."""
    yield from store_copy(demo_template, tmp_path, "demo.db")


@pytest.fixture
def demo_app(demo_store: str, frozen_clock: object) -> ShopApp:
    return ShopApp(db_url=demo_store, poll_seconds=60)


async def open_products(pilot: Pilot) -> ProductsScreen:
    await settle(pilot)
    await pilot.press("f2")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ProductsScreen)
    return screen


def titles(screen: ProductsScreen) -> list[str]:
    return [item.row.title for item in screen.rows.values()]


def product_id(store: str, sku: str) -> int:
    with db.read_session(store) as session:
        return products.resolve_product(session=session, ref=sku)


def product(store: str, ref: str) -> products.ProductRead:
    with db.read_session(store) as session:
        return products.get_product(session=session, product_id=products.resolve_product(session=session, ref=ref))


def count_products(store: str) -> int:
    with db.read_session(store) as session:
        return products.count_products(session=session)


def toasts(app: ShopApp) -> list[str]:
    return [n.message for n in app.toasts]


async def test_f2_lists_the_demo_products_one_page_at_a_time(demo_app: ShopApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_products(pilot)
        shown = titles(screen)
        assert 30 <= len(shown) <= page_size(24) < 64  # never the whole catalogue at once
        assert shown[:3] == ["3.5 mm audio cable", "Bamboo cutting board", "Baseball cap"]
        assert screen.next_after is not None
        first = screen.rows[screen.table.current_key()]  # type: ignore[index]
        assert first.stock_known  # inventory is installed: a stock column
        assert "more below" in str(screen.query_one("#products-status", Static).render())
        assert not toasts(demo_app)


async def test_paging_loads_the_next_page_when_the_cursor_nears_the_end(demo_app: ShopApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_products(pilot)
        before = len(screen.rows)
        await pilot.press("ctrl+end")
        await settle(pilot)
        assert len(screen.rows) == 64 > before
        assert screen.next_after is None
        assert "that is all" in str(screen.query_one("#products-status", Static).render())
        assert len(set(titles(screen))) == 64  # no row twice


async def test_filter_by_status(demo_app: ShopApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_products(pilot)
        screen.query_one("#filter-status", Select).value = "draft"
        await settle(pilot)
        assert sorted(titles(screen)) == sorted(["Salted almonds 200 g", "不锈钢保温杯", "钢化膜 (2片装)"])
        assert {item.row.status for item in screen.rows.values()} == {"draft"}


async def test_filter_by_category_takes_its_subtree(demo_app: ShopApp, demo_store: str) -> None:
    with db.read_session(demo_store) as session:
        electronics = categories.resolve_category(session=session, ref="Electronics").id
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_products(pilot)
        screen.query_one("#filter-category", Select).value = electronics
        await settle(pilot)
        assert len(screen.rows) == 12  # 手机配件 (8) and Audio (4) under Electronics
        assert {item.row.category for item in screen.rows.values()} == {"手机配件", "Audio"}


async def test_filter_by_tag(demo_app: ShopApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_products(pilot)
        await pilot.click("#filter-tag")
        await pilot.press(*"cable", "enter")
        await settle(pilot)
        assert sorted(titles(screen)) == ["3.5 mm audio cable", "USB-C cable 1 m"]
        screen.query_one("#filter-tag", Input).value = "nosuchtag"
        await pilot.click("#filter-tag")
        await pilot.press("enter")
        await settle(pilot)
        assert not screen.rows
        assert "No products match" in str(screen.query_one("#products-status", Static).render())


async def test_category_tree_shows_at_wide_sizes_and_filters(demo_app: ShopApp) -> None:
    async with demo_app.run_test(size=(160, 48)) as pilot:
        screen = await open_products(pilot)
        tree = screen.query_one("#category-tree")
        assert tree.display and tree.size.width > 0
        tea = next(node for node in tree.root.children[3].children if str(node.label).startswith("Tea"))  # type: ignore[attr-defined]
        tree.select_node(tea)  # type: ignore[attr-defined]
        await settle(pilot)
        assert len(screen.rows) == 6 and {i.row.category for i in screen.rows.values()} == {"Tea"}
    async with ShopApp(db_url=demo_app.db_url).run_test(size=(80, 24)) as pilot:
        screen = await open_products(pilot)
        assert not screen.query_one("#category-tree").display


async def test_search_finds_a_chinese_substring_and_opens_the_product(demo_app: ShopApp) -> None:
    async with demo_app.run_test(size=(100, 30)) as pilot:
        await open_products(pilot)
        await pilot.press("slash")
        await pilot.press(*"为手机")
        box = demo_app.screen.query_one(SearchBox)
        await until(pilot, lambda: box.is_open)  # the hits are shown after the typing pause
        await pilot.press("enter")
        await settle(pilot)
        detail = demo_app.screen
        assert isinstance(detail, ProductDetailScreen)
        assert detail.product is not None and detail.product.title == "华为手机壳 Mate 60"


async def test_an_exact_barcode_opens_its_variant(demo_app: ShopApp) -> None:
    async with demo_app.run_test(size=(100, 30)) as pilot:
        await open_products(pilot)
        await pilot.press("slash")
        await pilot.press(*"6920000000029", "enter")  # a scanner types fast and presses enter
        await settle(pilot)
        detail = demo_app.screen
        assert isinstance(detail, ProductDetailScreen)
        assert detail.product is not None and detail.product.title == "Basic tee"
        assert detail.highlighted_sku() == "D001-S-BLACK"


async def test_enter_opens_the_detail_with_variants_and_images(demo_app: ShopApp, demo_store: str) -> None:
    tee = product(demo_store, "D001-S-WHITE")
    async with demo_app.run_test(size=(100, 30)) as pilot:
        screen = await open_products(pilot)
        screen.table.move_cursor(row=screen.table.get_row_index(str(tee.id)))
        await pilot.press("enter")
        await settle(pilot)
        detail = demo_app.screen
        assert isinstance(detail, ProductDetailScreen)
        assert detail.query_one("#detail-variants").row_count == tee.variant_count  # type: ignore[attr-defined]
        images = str(detail.query_one("#detail-images", Static).render())
        assert tee.images and Path(tee.images[0]).name in images and "PNG" in images
        from rich_pixels import Pixels

        from shoptui.tui.screens.catalog.image import CoverImage

        await detail.query_one(CoverImage).workers.wait_for_complete()
        await settle(pilot)
        drawn = detail.query_one(".cover-picture", Static).content
        assert isinstance(drawn, Pixels), "the cover is drawn as a picture when pictures are on"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(demo_app.screen, ProductsScreen)


async def test_the_cover_is_a_text_box_when_pictures_are_off(demo_app: ShopApp, demo_store: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from shoptui.tui.screens.catalog.image import RENDER_ENV, CoverImage

    monkeypatch.setenv(RENDER_ENV, "off")
    tee = product(demo_store, "D001-S-WHITE")
    async with demo_app.run_test(size=(100, 30)) as pilot:
        screen = await open_products(pilot)
        screen.table.move_cursor(row=screen.table.get_row_index(str(tee.id)))
        await pilot.press("enter")
        await settle(pilot)
        cover = demo_app.screen.query_one(CoverImage)
        texts = " ".join(str(s.render()) for s in cover.query(Static))
        assert Path(tee.images[0]).name in texts and "open the file to see it" in texts


async def fill_new_product(pilot: Pilot, *, title: str, sku: str, price: str, barcode: str = "") -> ProductFormScreen:
    await pilot.press("n")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, ProductFormScreen)
    form.query_one("#form-title", Input).value = title
    row = form.query_one(VariantRow)
    index = row.draft.index
    form.query_one(f"#v{index}-sku", Input).value = sku
    form.query_one(f"#v{index}-price", Input).value = price
    form.query_one(f"#v{index}-barcode", Input).value = barcode
    return form


async def test_add_a_product_through_the_form(demo_app: ShopApp, demo_store: str) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_products(pilot)
        await fill_new_product(pilot, title="Silk scarf 丝巾", sku="SCARF-01", price="129.50", barcode="4006381333931")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is screen
        saved = product(demo_store, "SCARF-01")
        assert saved.title == "Silk scarf 丝巾" and saved.variants[0].price_minor == 12950
        assert saved.variants[0].barcode == "4006381333931" and saved.status == "draft"
        assert "Added Silk scarf 丝巾." in toasts(demo_app)
        assert "Silk scarf 丝巾" in titles(screen)


@pytest.mark.parametrize(("title", "sku", "price", "barcode", "field", "words"), [
    ("", "NEW-1", "10.00", "", "title", "title cannot be empty"),
    ("Scarf", "NEW-1", "-1", "", "v-price", "cannot be negative"),
    ("Scarf", "NEW-1", "12.345", "", "v-price", "more decimals"),
    ("Scarf", "D042", "10.00", "", "v-sku", "already used by '3.5 mm audio cable'"),
    ("Scarf", "NEW-1", "10.00", "4006381333932", "v-barcode", "check digit is 2, not 1"),
    ("Scarf", "", "10.00", "", "v-sku", "needs a SKU"),
    ("Scarf", "NEW-1", "10.00", "138.00", "v-barcode", "neither a product number"),  # a price typed as barcode
    ("Scarf", "NEW-1", "1,5", "", "v-price", "a comma only separates thousands"),
])
async def test_bad_input_shows_next_to_the_field_and_saves_nothing(
        demo_app: ShopApp, demo_store: str, title: str, sku: str, price: str, barcode: str, field: str,
        words: str) -> None:
    before = count_products(demo_store)
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await open_products(pilot)
        form = await fill_new_product(pilot, title=title, sku=sku, price=price, barcode=barcode)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is form  # still open
        if field == "title":
            row = form.query_one("#field-title", FieldRow)
            assert row.has_class("-invalid")
            error = str(row.query_one(".field-error", Static).render())
        else:
            variant = form.query_one(VariantRow)
            assert variant.has_class("-invalid")
            name = field.removeprefix("v-")
            assert form.query_one(f"#v{variant.draft.index}-{name}", Input).has_class("-invalid")
            error = str(variant.query_one(".variant-error", Static).render())
        assert words in error
        assert count_products(demo_store) == before


async def test_a_refused_variant_marks_its_own_row(demo_app: ShopApp, demo_store: str) -> None:
    """Issue 12: the service names ``variants.1.sku`` (the second row); the form marks that row's SKU, not the
    first row's."""
    before = count_products(demo_store)
    async with demo_app.run_test(size=(100, 40)) as pilot:
        await open_products(pilot)
        form = await fill_new_product(pilot, title="Scarf", sku="SCARF", price="10.00")
        form.query_one("#option0-name", Input).value = "Colour"
        form.query_one("#option0-values", Input).value = "Red, Blue"
        await pilot.press("ctrl+g")
        await settle(pilot)
        first, second = form.rows()
        form.query_one(f"#v{second.draft.index}-sku", Input).value = "D042"  # the audio cable's SKU
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is form and count_products(demo_store) == before
        assert second.has_class("-invalid") and not first.has_class("-invalid")
        assert form.query_one(f"#v{second.draft.index}-sku", Input).has_class("-invalid")
        assert not form.query_one(f"#v{first.draft.index}-sku", Input).has_class("-invalid")
        assert "already used by '3.5 mm audio cable'" in str(second.query_one(".variant-error", Static).render())


async def test_a_refused_variant_edit_marks_its_own_row(demo_app: ShopApp, demo_store: str) -> None:
    """Editing: update_variant names ``sku``; the form adds the row's place (catalog.in_variant) and marks it."""
    tee = product(demo_store, "D001-S-WHITE")
    async with demo_app.run_test(size=(100, 40)) as pilot:
        screen = await open_products(pilot)
        screen.table.move_cursor(row=screen.table.get_row_index(str(tee.id)))
        await pilot.press("e")
        await settle(pilot)
        form = demo_app.screen
        assert isinstance(form, ProductFormScreen)
        rows = form.rows()
        form.query_one(f"#v{rows[2].draft.index}-sku", Input).value = "D042"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is form
        assert [r.has_class("-invalid") for r in rows] == [i == 2 for i in range(len(rows))]
        assert form.query_one(f"#v{rows[2].draft.index}-sku", Input).has_class("-invalid")
    assert product(demo_store, "D001-S-WHITE").variants[2].sku == tee.variants[2].sku


async def test_editing_a_product_changed_elsewhere_shows_the_conflict(demo_app: ShopApp, demo_store: str) -> None:
    mug = product(demo_store, "D042")
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_products(pilot)
        screen.table.move_cursor(row=screen.table.get_row_index(str(mug.id)))
        await pilot.press("e")
        await settle(pilot)
        form = demo_app.screen
        assert isinstance(form, ProductFormScreen) and form.version == mug.version
        with db.transaction(demo_store) as session:  # a colleague renames it meanwhile
            products.update_product(session=session, actor=CLERK, product_id=mug.id,
                                   patch=products.ProductUpdate(title="Audio cable (theirs)"))
        form.query_one("#form-title", Input).value = "Audio cable (mine)"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is form
        banner = str(form.query_one("#form-banner", Static).render())
        assert "changed by someone else since you opened it" in banner and "ctrl+r" in banner
        assert product(demo_store, "D042").title == "Audio cable (theirs)"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert form.query_one("#form-title", Input).value == "Audio cable (theirs)"
        form.query_one("#form-title", Input).value = "Audio cable (mine)"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert product(demo_store, "D042").title == "Audio cable (mine)"


async def test_edit_adds_options_and_generates_variants(demo_app: ShopApp, demo_store: str) -> None:
    cable = product(demo_store, "D042")
    async with demo_app.run_test(size=(100, 40)) as pilot:
        screen = await open_products(pilot)
        screen.table.move_cursor(row=screen.table.get_row_index(str(cable.id)))
        await pilot.press("e")
        await settle(pilot)
        form = demo_app.screen
        assert isinstance(form, ProductFormScreen)
        form.query_one("#option0-name", Input).value = "Length"
        form.query_one("#option0-values", Input).value = "1 m, 2 m"
        await pilot.press("ctrl+g")
        await settle(pilot)
        rows = form.rows()
        assert [r.draft.options for r in rows] == [("1 m",), ("2 m",)]
        assert rows[0].draft.sku == "D042" and rows[1].draft.sku == "D042-2M"
        form.query_one(f"#v{rows[1].draft.index}-price", Input).value = "35.00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        saved = product(demo_store, "D042")
        assert [(v.sku, v.options, v.price_minor) for v in saved.variants] == [
            ("D042", ["1 m"], 2500), ("D042-2M", ["2 m"], 3500)]


async def test_a_new_option_value_suggests_skus_from_the_product_stem(demo_app: ShopApp, demo_store: str) -> None:
    """Issue 11 item 12: a second generation in the form starts new SKUs with the product's stem (D001), as the
    service does, not with the first SKU minus its last segment (D001-S)."""
    tee = product(demo_store, "D001-S-WHITE")
    async with demo_app.run_test(size=(100, 40)) as pilot:
        screen = await open_products(pilot)
        screen.table.move_cursor(row=screen.table.get_row_index(str(tee.id)))
        await pilot.press("e")
        await settle(pilot)
        form = demo_app.screen
        assert isinstance(form, ProductFormScreen)
        form.query_one("#option1-values", Input).value = "White, Black, Grey"
        await pilot.press("ctrl+g")
        await settle(pilot)
        new = [r.draft.sku for r in form.rows() if r.draft.original_sku is None]
        assert new == ["D001-S-GREY", "D001-M-GREY", "D001-L-GREY", "D001-XL-GREY"]


async def test_bulk_price_change_by_percentage_with_a_preview(demo_app: ShopApp, demo_store: str) -> None:
    async with demo_app.run_test(size=(100, 30)) as pilot:
        screen = await open_products(pilot)
        await pilot.press("space", "space")  # the first two rows
        assert len(screen.selected) == 2
        chosen = sorted(screen.selected)
        before = {pid: [v.price_minor for v in product(demo_store, str(pid)).variants] for pid in chosen}
        await pilot.press("b")
        await settle(pilot)
        dialog = demo_app.screen
        assert isinstance(dialog, BulkDialog)
        dialog.query_one("#bulk-kind", Select).value = "price_percent"
        await pilot.pause()
        dialog.query_one("#bulk-value", Input).value = "-10"
        await until(pilot, lambda: dialog.preview is not None)
        assert dialog.preview is not None
        preview = dialog.query_one("#bulk-preview")
        lines = sum(len(p) for p in before.values())
        assert preview.row_count == lines  # type: ignore[attr-defined]
        first = preview.get_row_at(0)  # type: ignore[attr-defined]
        assert (str(first[3]), str(first[4])) == ("79.00", "71.10")  # Bamboo cutting board, -10%
        assert [v.price_minor for v in product(demo_store, str(chosen[0])).variants] == before[chosen[0]]  # not yet
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is screen and not screen.selected
        for pid, prices in before.items():
            assert [v.price_minor for v in product(demo_store, str(pid)).variants] == [p * 9 // 10 for p in prices]


async def test_bulk_with_a_bad_amount_says_why_and_cannot_apply(demo_app: ShopApp, demo_store: str) -> None:
    async with demo_app.run_test(size=(100, 30)) as pilot:
        screen = await open_products(pilot)
        await pilot.press("a")
        assert len(screen.selected) == len(screen.rows)
        await pilot.press("b")
        await settle(pilot)
        dialog = demo_app.screen
        assert isinstance(dialog, BulkDialog)
        dialog.query_one("#bulk-kind", Select).value = "price_amount"
        await pilot.pause()
        dialog.query_one("#bulk-value", Input).value = "-1.234"
        await until(pilot, lambda: "more decimals" in str(dialog.query_one("#bulk-summary", Static).render()))
        assert "more decimals" in str(dialog.query_one("#bulk-summary", Static).render())
        assert dialog.preview is None
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert demo_app.screen is dialog


async def test_archive_asks_then_archives(demo_app: ShopApp, demo_store: str) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_products(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(demo_app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert product(demo_store, "D042").status == "archived"
        assert screen.rows[product_id(demo_store, "D042")].row.status == "archived"


async def test_delete_without_history_deletes_and_with_history_offers_archive(demo_app: ShopApp, demo_store: str) -> None:
    from shoptui.services.inventory.changes import restock

    before = count_products(demo_store)
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_products(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("n")  # no: nothing happens
        await settle(pilot)
        assert count_products(demo_store) == before
        await pilot.press("d", "y")
        await settle(pilot)
        assert count_products(demo_store) == before - 1
        assert "3.5 mm audio cable" not in titles(screen)
        first = screen.rows[screen.table.current_key()]  # type: ignore[index]
        sku = first.row.sku or product(demo_store, str(first.row.id)).variants[0].sku
        with db.transaction(demo_store) as session:
            restock(session=session, actor=CLERK, code=sku, quantity=3)
        await pilot.press("d", "y")
        await settle(pilot)
        offer = demo_app.screen
        assert isinstance(offer, Confirm) and "has history" in offer.question
        await pilot.press("y")
        await settle(pilot)
        assert product(demo_store, sku).status == "archived"
        assert count_products(demo_store) == before - 1
