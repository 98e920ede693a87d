"""Catalogue service: categories, products, variants, list, search, bulk, history, concurrency."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session

from shoptui.errors import Conflict, InvalidInput, NotAllowed, NotFound
from shoptui.models.store import AuditEntry
from shoptui.services.catalog import bulk, categories, checks, fields, search
from shoptui.services.catalog import products as catalog_products
from shoptui.services.catalog import variants as catalog_variants
from shoptui.services.pricing import rounding
from tests.conftest import CLERK

EAN = fields.with_check_digit("690123456789")  # 6901234567892


def make(session: Session, title: str = "Basic tee", sku: str = "TEE-01", price: int = 1000, **kw) -> catalog_products.ProductRead:  # type: ignore[no-untyped-def]
    variant = catalog_products.VariantInput(sku=sku, price_minor=price, barcode=kw.pop("barcode", None))
    return catalog_products.create_product(session=session, actor=CLERK, data=catalog_products.ProductCreate(title=title, variants=[variant], **kw))


# ---------------------------------------------------------------- pricing and codes


def test_round_half_up_and_apply_bp() -> None:
    assert rounding.round_half_up(5, 2) == 3
    assert rounding.round_half_up(-5, 2) == -3
    assert rounding.round_half_up(4, 3) == 1
    assert rounding.apply_bp(1999, 1250) == 250  # 249.875
    assert rounding.adjust_price(1000, delta_bp=-1000) == 900
    assert rounding.allocate(100, [1, 1, 1]) == [34, 33, 33]
    with pytest.raises(InvalidInput, match="negative"):
        rounding.adjust_price(100, delta_minor=-200)


@pytest.mark.parametrize("code", ["6901234567892", "036000291452", "96385074"])
def test_valid_gtins_pass(code: str) -> None:
    assert fields.check_barcode(code) == code


@pytest.mark.parametrize("code,shape", [("6901234567891", "EAN-13"), ("036000291453", "UPC-A"), ("96385075", "EAN-8")])
def test_wrong_check_digit_is_refused(code: str, shape: str) -> None:
    with pytest.raises(InvalidInput, match=f"{shape}.*check digit"):
        fields.check_barcode(code)


def test_other_barcode_shapes_are_kept() -> None:
    assert fields.check_barcode("ABC-123") == "ABC-123"
    assert fields.check_barcode("  ") is None


# ---------------------------------------------------------------- categories


def test_category_tree_paths_and_move(session: Session) -> None:
    a = categories.create_category(session=session, actor=CLERK, name="Clothing")
    b = categories.create_category(session=session, actor=CLERK, name="Tees", parent_id=a.id)
    c = categories.create_category(session=session, actor=CLERK, name="V-neck", parent_id=b.id)
    home = categories.create_category(session=session, actor=CLERK, name="Home")
    assert c.path == f"/{a.id}/{b.id}/{c.id}/" and c.full_name == "Clothing > Tees > V-neck"
    moved = categories.move_category(session=session, actor=CLERK, category_id=b.id, parent_id=home.id)
    assert moved.path == f"/{home.id}/{b.id}/"
    assert categories.resolve_category(session=session, ref=c.id).path == f"/{home.id}/{b.id}/{c.id}/"
    assert checks.check_catalog(session=session) == []


def test_category_cannot_move_under_itself_or_descendant(session: Session) -> None:
    a = categories.create_category(session=session, actor=CLERK, name="A")
    b = categories.create_category(session=session, actor=CLERK, name="B", parent_id=a.id)
    with pytest.raises(InvalidInput, match="under itself"):
        categories.move_category(session=session, actor=CLERK, category_id=a.id, parent_id=a.id)
    with pytest.raises(InvalidInput, match="own subcategory 'B'"):
        categories.move_category(session=session, actor=CLERK, category_id=a.id, parent_id=b.id)


def test_category_reorder_and_duplicate_name(session: Session) -> None:
    ids = [categories.create_category(session=session, actor=CLERK, name=n).id for n in ("X", "Y", "Z")]
    categories.reorder_category(session=session, actor=CLERK, category_id=ids[2], position=0)
    assert [c.name for c in categories.list_categories(session=session)] == ["Z", "X", "Y"]
    with pytest.raises(Conflict, match="already a category 'x'"):
        categories.create_category(session=session, actor=CLERK, name="x")


def test_category_delete_only_when_empty_or_with_move_to(session: Session) -> None:
    a = categories.create_category(session=session, actor=CLERK, name="Old")
    child = categories.create_category(session=session, actor=CLERK, name="Child", parent_id=a.id)
    other = categories.create_category(session=session, actor=CLERK, name="Misc")
    p = make(session, category_id=a.id)
    with pytest.raises(Conflict, match="still holds 1 products and 1 subcategories"):
        categories.delete_category(session=session, actor=CLERK, category_id=a.id)
    with pytest.raises(InvalidInput, match="inside it"):
        categories.delete_category(session=session, actor=CLERK, category_id=a.id, move_to=child.id)
    categories.delete_category(session=session, actor=CLERK, category_id=a.id, move_to=other.id)
    assert catalog_products.get_product(session=session, product_id=p.id).category_id == other.id
    assert categories.resolve_category(session=session, ref="Misc > Child").parent_id == other.id
    with pytest.raises(NotFound):
        categories.resolve_category(session=session, ref="Old")


def test_unknown_category_is_refused(session: Session) -> None:
    with pytest.raises(NotFound, match="no category with id 999"):
        make(session, category_id=999)
    with pytest.raises(NotFound, match="no category 'Nope'"):
        categories.resolve_category(session=session, ref="Nope")


# ---------------------------------------------------------------- products and variants


def test_create_product_keeps_columns_in_step_and_audits(session: Session) -> None:
    p = make(session, tags=["Sale", "sale", " Summer "], barcode=EAN)
    assert p.tags == ["sale", "summer"] and p.variant_count == 1 and p.min_price_minor == 1000
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "product.create")).scalars().one()
    assert entry.entity_id == str(p.id) and entry.after["title"] == "Basic tee"


def test_duplicate_sku_and_barcode_are_refused(session: Session) -> None:
    make(session, barcode=EAN)
    with pytest.raises(Conflict, match="SKU TEE-01 is already used by 'Basic tee'"):
        make(session, title="Other")
    with pytest.raises(Conflict, match=f"barcode {EAN} is already used by TEE-01"):
        make(session, title="Other", sku="OTHER", barcode=EAN)


def test_negative_price_and_bad_sku_are_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="cannot be negative"):
        make(session, price=-1)
    with pytest.raises(InvalidInput, match="spaces"):
        make(session, sku="TEE 01")
    with pytest.raises(InvalidInput, match="title cannot be empty"):
        make(session, title="   ")


def sized(session: Session, *rows: dict, **kw) -> catalog_products.ProductRead:  # type: ignore[type-arg]
    """A product with the option Size and one variant per row (sku, option1, price_minor, ...)."""
    variants = [catalog_products.VariantInput(**{"price_minor": 1000, **row}) for row in rows]
    return catalog_products.create_product(session=session, actor=CLERK, data=catalog_products.ProductCreate(
        title=kw.pop("title", "Sized tee"), option_names=["Size"], variants=variants, **kw))


@pytest.mark.parametrize(("rows", "kw", "field"), [
    ([{"sku": "S1", "option1": "S"}, {"sku": "S2", "option1": "M", "price_minor": -1}], {}, "variants.1.price_minor"),
    ([{"sku": "S1", "option1": "S"}, {"sku": "S2", "option1": "M", "compare_at_minor": -5}], {},
     "variants.1.compare_at_minor"),
    ([{"sku": "S1", "option1": "S"}, {"sku": "S 2", "option1": "M"}], {}, "variants.1.sku"),
    ([{"sku": "S1", "option1": "S"}, {"sku": "S1", "option1": "M"}], {}, "variants.1.sku"),
    ([{"sku": "S1", "option1": "S"}, {"sku": "S2", "option1": "M", "barcode": "4006381333932"}], {},
     "variants.1.barcode"),
    ([{"sku": "S1", "option1": "S"}, {"sku": "S2", "option1": "M", "weight_g": -1}], {}, "variants.1.weight_g"),
    ([{"sku": "S1", "option1": "S"}, {"sku": "S2", "option1": "s"}], {}, "variants.1.option1"),
    ([{"sku": "S1", "option1": "S"}, {"sku": "S2", "option1": ""}], {}, "variants.1.option1"),
    ([{"sku": "S1", "option1": "S"}], {"title": " "}, "title"),
    ([{"sku": "S1", "option1": "S"}], {"status": "gone"}, "status"),
    ([{"sku": "S1", "option1": "S"}], {"category_id": 999}, "category_id"),
    ([{"sku": "S1", "option1": "S"}], {"tags": ["a,b"]}, "tags"),
    ([{"sku": "S1", "option1": "S"}], {"images": ["ftp://x/y.png"]}, "images"),
    ([{"sku": "S1", "option1": "S"}], {"brand": "x" * 101}, "brand"),
])
def test_a_refusal_names_the_field_of_the_input(session: Session, rows: list, kw: dict, field: str) -> None:  # type: ignore[type-arg]
    """Issue 12: the form marks exc.field; a variant's field names its place in ProductCreate.variants."""
    with pytest.raises((InvalidInput, Conflict, NotFound)) as caught:
        sized(session, *rows, **kw)
    assert caught.value.field == field


def test_a_code_already_in_the_store_names_the_variant_that_repeats_it(session: Session) -> None:
    make(session, barcode=EAN)
    with pytest.raises(Conflict, match="already used") as caught:
        sized(session, {"sku": "S1", "option1": "S"}, {"sku": "TEE-01", "option1": "M"})
    assert caught.value.field == "variants.1.sku"
    with pytest.raises(Conflict, match="already used") as caught:
        sized(session, {"sku": "S1", "option1": "S"}, {"sku": "S2", "option1": "M"}, {"sku": "S3", "option1": "L", "barcode": EAN})
    assert caught.value.field == "variants.2.barcode"


def test_a_stale_edit_names_expect_version_and_a_variant_edit_its_field(session: Session) -> None:
    p = make(session)
    catalog_products.update_product(session=session, actor=CLERK, product_id=p.id,
                                    patch=catalog_products.ProductUpdate(title="New"))
    with pytest.raises(Conflict) as caught:
        catalog_products.update_product(session=session, actor=CLERK, product_id=p.id,
                                        patch=catalog_products.ProductUpdate(title="Stale"), expect_version=p.version)
    assert caught.value.field == "expect_version"
    with pytest.raises(InvalidInput) as caught:
        catalog_variants.update_variant(session=session, actor=CLERK, sku="TEE-01",
                                        patch=catalog_products.VariantUpdate(cost_minor=-3))
    assert caught.value.field == "cost_minor"


def test_images_must_be_real_images_or_urls(session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io

    from PIL import Image

    from shoptui.services import shop

    png = tmp_path / "a.png"
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (9, 9, 9)).save(buffer, format="PNG")
    png.write_bytes(buffer.getvalue())
    fake = tmp_path / "b.png"
    fake.write_text("not an image")
    header_only = tmp_path / "c.png"
    header_only.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    p = make(session, images=[str(png), "https://example.com/x.jpg"])
    assert p.cover is not None and shop.is_media_name(p.cover)  # copied into the store's media folder
    assert (shop.media_folder(session) / p.cover).read_bytes() == png.read_bytes()
    with pytest.raises(InvalidInput, match="is not an image"):
        make(session, sku="X2", images=[str(fake)])
    with pytest.raises(InvalidInput, match="cannot be used as an image"):
        make(session, sku="X5", images=[str(header_only)])
    with pytest.raises(InvalidInput, match="does not exist"):
        make(session, sku="X3", images=[str(tmp_path / "missing.png")])
    with pytest.raises(InvalidInput, match="not an http"):
        make(session, sku="X4", images=["ftp://example.com/x.png"])


def test_optimistic_concurrency(session: Session) -> None:
    p = make(session)
    saved = catalog_products.update_product(session=session, actor=CLERK, product_id=p.id,
                                   patch=catalog_products.ProductUpdate(title="New"), expect_version=p.version)
    assert saved.version == p.version + 1
    with pytest.raises(Conflict, match="changed by someone else.*version 2, you had 1"):
        catalog_products.update_product(session=session, actor=CLERK, product_id=p.id,
                               patch=catalog_products.ProductUpdate(title="Stale"), expect_version=1)
    assert catalog_products.get_product(session=session, product_id=p.id).title == "New"
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "product.update")).scalars().one()
    assert entry.before == {"title": "Basic tee"} and entry.after == {"title": "New"}


def test_generate_variants_creates_missing_and_keeps_history(session: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    p = make(session, sku="TEE")
    r = catalog_variants.generate_variants(session=session, actor=CLERK, product_id=p.id,
                                  options=[catalog_variants.OptionInput(name="Size", values=["S", "M"])])
    assert sorted(r.created) == ["TEE-M"] and r.product.variant_count == 2
    assert {v.option1 for v in r.product.variants} == {"S", "M"}
    r2 = catalog_variants.generate_variants(session=session, actor=CLERK, product_id=p.id,
                                   options=[catalog_variants.OptionInput(name="Size", values=["S", "M", "L"])])
    assert r2.created == ["TEE-L"]
    # history: a stand-in ledger table registered as a source
    session.execute(text("CREATE TABLE test_history (variant_id INTEGER)"))
    used = catalog_variants.get_variant_by_sku(session=session, sku="TEE-M").id
    session.execute(text("INSERT INTO test_history VALUES (:v)"), {"v": used})
    monkeypatch.setattr(catalog_products, "history_sources", lambda: ["test_history.variant_id"])
    r3 = catalog_variants.generate_variants(session=session, actor=CLERK, product_id=p.id,
                                   options=[catalog_variants.OptionInput(name="Size", values=["S"])], prune=True)
    assert r3.removed == ["TEE-L"] and r3.kept_with_history == ["TEE-M"]


def test_generate_variants_keeps_the_product_sku_stem_on_later_runs(session: Session) -> None:
    """Issue 11 item 12: a second run builds SKUs from the product's stem, not the first SKU minus a segment."""
    # a product made with its combinations (AH-RED-M ...): the stem is AH
    names, variants = catalog_variants.combination_variants(
        sku_prefix="AH", template=catalog_products.VariantInput(sku="AH", price_minor=1000),
        options=[catalog_variants.OptionInput(name="Color", values=["Red"]), catalog_variants.OptionInput(name="Size", values=["M"])])
    hoodie = catalog_products.create_product(session=session, actor=CLERK, data=catalog_products.ProductCreate(
        title="Hoodie", option_names=names, variants=variants))
    assert [v.sku for v in hoodie.variants] == ["AH-RED-M"]
    r = catalog_variants.generate_variants(session=session, actor=CLERK, product_id=hoodie.id, options=[
        catalog_variants.OptionInput(name="Color", values=["Red", "Grey"]), catalog_variants.OptionInput(name="Size", values=["M", "XL"])])
    assert sorted(r.created) == ["AH-GREY-M", "AH-GREY-XL", "AH-RED-XL"]
    # a product made with one plain SKU, then generated twice: the stem stays TEE-01
    tee = make(session, sku="TEE-01")
    first = catalog_variants.generate_variants(session=session, actor=CLERK, product_id=tee.id, options=[
        catalog_variants.OptionInput(name="Color", values=["Black"]), catalog_variants.OptionInput(name="Size", values=["M", "L"])])
    assert first.created == ["TEE-01-BLACK-L"]
    second = catalog_variants.generate_variants(session=session, actor=CLERK, product_id=tee.id, options=[
        catalog_variants.OptionInput(name="Color", values=["Black", "Red"]), catalog_variants.OptionInput(name="Size", values=["M", "L"])])
    assert sorted(second.created) == ["TEE-01-RED-L", "TEE-01-RED-M"]
    # adding an option later: variants take its first value, new SKUs still start with the stem
    third = catalog_variants.generate_variants(session=session, actor=CLERK, product_id=tee.id, options=[
        catalog_variants.OptionInput(name="Color", values=["Black", "Red"]), catalog_variants.OptionInput(name="Size", values=["M", "L"]),
        catalog_variants.OptionInput(name="Fit", values=["Slim", "Loose"])])
    assert all(sku.startswith("TEE-01-") and sku.endswith("-LOOSE") for sku in third.created) and len(third.created) == 4


def test_product_with_history_cannot_be_deleted_only_archived(session: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    p = make(session)
    session.execute(text("CREATE TABLE test_history (variant_id INTEGER)"))
    session.execute(text("INSERT INTO test_history VALUES (:v)"), {"v": p.variants[0].id})
    monkeypatch.setattr(catalog_products, "history_sources", lambda: ["test_history.variant_id", "missing_table.variant_id"])
    with pytest.raises(NotAllowed, match="has history.*TEE-01.*Archive it instead"):
        catalog_products.delete_product(session=session, actor=CLERK, product_id=p.id)
    assert catalog_products.archive_product(session=session, actor=CLERK, product_id=p.id).status == "archived"
    other = make(session, title="Gone", sku="GONE")
    catalog_products.delete_product(session=session, actor=CLERK, product_id=other.id)
    with pytest.raises(NotFound):
        catalog_products.get_product(session=session, product_id=other.id)
    assert search.search_products(session=session, text="gone") == []


def test_variant_edit_add_delete_and_find(session: Session) -> None:
    p = catalog_products.create_product(session=session, actor=CLERK, data=catalog_products.ProductCreate(
        title="Mug", option_names=["Color"], variants=[catalog_products.VariantInput(sku="MUG-W", option1="White", price_minor=500)]))
    catalog_variants.add_variant(session=session, actor=CLERK, product_id=p.id,
                        data=catalog_products.VariantInput(sku="MUG-B", option1="Black", price_minor=700, barcode=EAN))
    with pytest.raises(Conflict, match="same options"):
        catalog_variants.add_variant(session=session, actor=CLERK, product_id=p.id,
                            data=catalog_products.VariantInput(sku="MUG-B2", option1="black", price_minor=700))
    assert catalog_variants.find_variant(session=session, code=EAN).sku == "MUG-B"
    assert catalog_variants.find_variant(session=session, code="MUG-W").product_title == "Mug"
    with pytest.raises(NotFound, match="No variant has the SKU or barcode 'NOPE'"):
        catalog_variants.find_variant(session=session, code="NOPE")
    v = catalog_variants.update_variant(session=session, actor=CLERK, sku="MUG-W", patch=catalog_products.VariantUpdate(price_minor=900))
    assert v.price_minor == 900
    assert catalog_products.get_product(session=session, product_id=p.id).max_price_minor == 900
    catalog_variants.delete_variant(session=session, actor=CLERK, sku="MUG-B")
    with pytest.raises(NotAllowed, match="only variant"):
        catalog_variants.delete_variant(session=session, actor=CLERK, sku="MUG-W")


# ---------------------------------------------------------------- list, search, bulk


def test_list_filters_sorts_and_pages(session: Session) -> None:
    top = categories.create_category(session=session, actor=CLERK, name="Top")
    sub = categories.create_category(session=session, actor=CLERK, name="Sub", parent_id=top.id)
    for i in range(7):
        make(session, title=f"P{i}", sku=f"S{i}", price=100 * (7 - i), category_id=sub.id if i % 2 else None,
             tags=["odd"] if i % 2 else [], status="active" if i < 5 else "draft")
    seen, after = [], None
    while True:
        page = catalog_products.list_products(session=session, limit=3, after=after)
        seen += [p.title for p in page.items]
        if not page.next_after:
            break
        after = page.next_after
    assert seen == [f"P{i}" for i in range(7)]
    assert [p.title for p in catalog_products.list_products(session=session, category_id=top.id).items] == ["P1", "P3", "P5"]
    assert [p.title for p in catalog_products.list_products(session=session, tag="ODD", status="active").items] == ["P1", "P3"]
    assert [p.min_price_minor for p in catalog_products.list_products(session=session, sort="price", limit=2).items] == [100, 200]
    desc = catalog_products.list_products(session=session, sort="-price", limit=2)
    assert [p.title for p in catalog_products.list_products(session=session, sort="-price", limit=2, after=desc.next_after).items] == ["P2", "P3"]
    with pytest.raises(InvalidInput, match="cursor"):
        catalog_products.list_products(session=session, after="garbage!")
    with pytest.raises(InvalidInput, match="sort"):
        catalog_products.list_products(session=session, sort="colour")


@pytest.mark.sqlite_only(reason="SQLite's query plan (EXPLAIN QUERY PLAN)")
def test_list_uses_the_title_index(session: Session) -> None:
    plan = " ".join(str(r) for r in session.execute(text(
        "EXPLAIN QUERY PLAN SELECT id FROM product WHERE lower(title) >= 'a' AND (lower(title) > 'a' OR id > 1) "
        "ORDER BY lower(title), id LIMIT 50")))  # A-Z ignores case: the index is on lower(title)
    assert "ix_product_title" in plan and "TEMP B-TREE" not in plan


@pytest.mark.parametrize("term", ["手机", "手机壳", "华为", "case", "sale", "CASE-9", "6901234567892", "机"])
def test_search_finds_by_title_sku_barcode_tag_and_cjk_substring(session: Session, term: str) -> None:
    make(session, title="华为手机壳 Red case", sku="CASE-9", tags=["Sale"], barcode=EAN)
    make(session, title="Mug", sku="MUG-1")
    hits = search.search_products(session=session, text=term)
    assert any(h.title.startswith("华为手机壳") for h in hits)
    assert all("Mug" not in h.title for h in hits)


def test_search_exact_code_is_a_variant_hit_first(session: Session) -> None:
    make(session, title="Case", sku="CASE-9", barcode=EAN)
    hits = search.search_products(session=session, text=EAN)
    assert hits[0].kind == "variant" and hits[0].exact and hits[0].key == "CASE-9" and hits[0].mode == "products"


def test_search_follows_edits(session: Session) -> None:
    p = make(session, title="Old name")
    catalog_products.update_product(session=session, actor=CLERK, product_id=p.id, patch=catalog_products.ProductUpdate(title="崭新名字"))
    assert search.search_products(session=session, text="old name") == []
    assert [h.key for h in search.search_products(session=session, text="新名")] == [str(p.id)]
    assert checks.check_catalog(session=session) == []


def test_bulk_preview_then_apply(session: Session) -> None:
    a = make(session, title="A", sku="A1", price=1999)
    b = make(session, title="B", sku="B1", price=1000)
    action = bulk.BulkAction(kind="price", delta_bp=-1000)
    preview = bulk.bulk_preview(session=session, product_ids=[a.id, b.id], action=action)
    assert [(c.sku, c.before, c.after) for c in preview.changes] == [("A1", 1999, 1799), ("B1", 1000, 900)]
    assert catalog_products.get_product(session=session, product_id=a.id).min_price_minor == 1999  # preview changed nothing
    bulk.bulk_apply(session=session, actor=CLERK, product_ids=[a.id, b.id], action=action)
    assert catalog_products.get_product(session=session, product_id=a.id).min_price_minor == 1799
    bulk.bulk_apply(session=session, actor=CLERK, product_ids=[a.id, b.id], action=bulk.BulkAction(kind="add_tag", tag="Promo"))
    assert [p.title for p in catalog_products.list_products(session=session, tag="promo").items] == ["A", "B"]
    r = bulk.bulk_apply(session=session, actor=CLERK, product_ids=[a.id], action=bulk.BulkAction(kind="status", status="active"))
    assert r.changed_products == 1
    assert session.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("product.bulk_%"))).scalar_one() == 5
    with pytest.raises(InvalidInput, match="negative"):
        bulk.bulk_preview(session=session, product_ids=[b.id], action=bulk.BulkAction(kind="price", delta_minor=-5000))
    with pytest.raises(NotFound):
        bulk.bulk_preview(session=session, product_ids=[999], action=action)


def test_dashboard_figure_counts_active(session: Session) -> None:
    make(session, status="active")
    make(session, title="D", sku="D", status="draft")
    from shoptui.services.catalog import figures as catalog_figures

    figure = catalog_figures.dashboard_figures(session=session)[0]
    assert figure.value == "1" and "1 drafts" in figure.detail


def test_delete_refused_cleanly_when_another_table_still_points_at_a_variant(session: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    p = make(session)
    session.execute(text("CREATE TABLE fk_ref (variant_id INTEGER REFERENCES variant(id))"))
    session.execute(text("INSERT INTO fk_ref VALUES (:v)"), {"v": p.variants[0].id})
    monkeypatch.setattr(catalog_products, "history_sources", lambda: [])
    with pytest.raises(NotAllowed, match="still referenced elsewhere"):
        catalog_products.delete_product(session=session, actor=CLERK, product_id=p.id)
    assert catalog_products.get_product(session=session, product_id=p.id).variant_count == 1


def test_history_sources_include_the_ledgers() -> None:
    sources = catalog_products.history_sources()
    assert "stock_movement.variant_id" in sources and "order_line.variant_id" in sources


def test_short_terms_find_sku_prefixes_and_list_filter_is_not_truncated(session: Session) -> None:
    make(session, title="Lamp", sku="QX-1")
    for i in range(3):
        make(session, title=f"茶杯 {i}", sku=f"CUP-{i}")
    assert [h.title for h in search.search_products(session=session, text="q")] == ["Lamp"]
    assert [h.title for h in search.search_products(session=session, text="qx")] == ["Lamp"]
    assert len(catalog_products.list_products(session=session, text="茶").items) == 3
    assert search.search_products(session=session, text="zz") == []


# ---------------------------------------------------------------- short terms (the gram index)


@pytest.mark.parametrize("term,expected", [
    ("壳", ["华为手机壳"]), ("手机", ["华为手机壳"]), ("号", ["杯子 9号"]), ("9", ["杯子 9号"]), ("9号", ["杯子 9号"]),
    ("t-", ["T-shirt XL"]), ("-s", ["T-shirt XL"]), ("xl", ["T-shirt XL"]), ("l", ["T-shirt XL"]), ("x", ["T-shirt XL"]),
    ("手 壳", ["华为手机壳"]), ("t 9", []), ("机壳 华为", ["华为手机壳"]), ("q", []), ("机华", []), ("\"", ["Say \"hi\""]),
    ("hi", ["Say \"hi\"", "T-shirt XL"]), ("i\"", ["Say \"hi\""]), ("*", []),
])
def test_short_terms_use_the_gram_index(session: Session, term: str, expected: list[str]) -> None:
    make(session, title="华为手机壳", sku="A-1")
    make(session, title="杯子 9号", sku="B-1")
    make(session, title="T-shirt XL", sku="C-1")
    make(session, title='Say "hi"', sku="D-1")
    assert sorted(h.title for h in search.search_products(session=session, text=term) if h.kind == "product") == expected
    assert sorted(p.title for p in catalog_products.list_products(session=session, text=term).items) == expected


def test_gram_index_follows_edits_and_deletes(session: Session) -> None:
    p = make(session, title="绿茶", sku="TEA-1")
    make(session, title="红茶", sku="TEA-2")
    catalog_products.update_product(session=session, actor=CLERK, product_id=p.id, patch=catalog_products.ProductUpdate(title="乌龙"))
    assert [h.title for h in search.search_products(session=session, text="茶")] == ["红茶"]
    assert [h.title for h in search.search_products(session=session, text="乌")] == ["乌龙"]
    catalog_products.delete_product(session=session, actor=CLERK, product_id=p.id)
    assert search.search_products(session=session, text="乌") == []
    if session.get_bind().dialect.name == "sqlite":  # SQLite's FTS5 tables check themselves
        for index in ("product_search_grams", "product_search_fts"):  # raises when an index disagrees with its rows
            session.execute(text(f"INSERT INTO {index}({index}, rank) VALUES ('integrity-check', 1)"))


def test_an_exact_code_answers_with_its_variant_and_product(session: Session) -> None:
    p = make(session, title="Case", sku="CASE-9", barcode=EAN)
    make(session, title="Other", sku="CASE-99")
    hits = search.search_products(session=session, text="CASE-9")
    assert [(h.kind, h.key) for h in hits] == [("variant", "CASE-9"), ("product", str(p.id))]
    assert {h.title for h in search.search_products(session=session, text="case-")} == {"Case", "Other"}


def test_search_rows_in_bulk_match_one_at_a_time() -> None:
    """The one-pass grams of many texts equal the per-text grams (CJK, emoji, punctuation, 1-char texts)."""
    words = ["华为", "手机壳", "T恤", "a", "Ω", "😀", "x-1", "\"q\"", "O'Brien", "9号"]
    products = [(i, " ".join(words[(i + k) % len(words)] for k in range(1 + i % 4)), "Brand" if i % 3 else None,
                 ["tag", "热卖"][: i % 3], [f"SKU-{i}"], [None if i % 2 else f"69{i:011d}"]) for i in range(150)]
    products.append((999, "z", None, [], ["Z"], []))
    assert search.search_rows(products) == [tuple(search.search_line(*p).values()) for p in products]
    plane0 = [p for p in products if "😀" not in p[1]]  # every character two bytes in UTF-16: the narrow layout
    assert len(plane0) >= 64
    assert search.search_rows(plane0) == [tuple(search.search_line(*p).values()) for p in plane0]
    lone = [(i, "a\ud800b", None, [], [], []) for i in range(70)]  # not encodable: falls back to one at a time
    assert search.search_rows(lone) == [tuple(search.search_line(*p).values()) for p in lone]
    assert search.search_grams("ab cd") == "ab b   c cd d "
