"""``shoptui product import --from shopify|woocommerce`` and ``shoptui product images fetch`` from the command line."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from shoptui.config import media_dir
from tests.cli.conftest import store_digest
from tests.store_files import rows

DATA = Path(__file__).resolve().parents[1] / "data"
SHOPIFY = DATA / "shopify_product_template.csv"
WOO = DATA / "woocommerce_products.csv"


def png(size: int = 0) -> bytes:
    """A real 1x1 PNG, padded with a text chunk to about ``size`` bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    pad = chunk(b"tEXt", b"c\x00" + b"x" * size) if size else b""
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + pad
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def test_dry_run_prints_the_plan_and_changes_nothing(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    before = store_digest(store)
    result = shop("product", "import", str(SHOPIFY), "--from", "shopify", "--dry-run", "--create-categories",
                  "--opening-stock")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Would import shopify export" in out and "4 products to create" in out
    assert "line 2: MUG-001 Ceramic Mug" in out and "line 8: gift-card: a gift card" in out
    assert "Converted:" in out and "3 descriptions from HTML to text" in out and "Dropped:" in out
    assert "line 5: SHIRT-M-WHT 4006381333932" in out and "Opening stock to book at MAIN: 64 units of 4 variants" in out
    assert store_digest(store) == before


def test_import_json_then_again_unchanged(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    result = shop("product", "import", str(WOO), "--from", "woocommerce", "--create-categories", "--opening-stock",
                  "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["catalog"]["products_created"] == 4 and data["catalog"]["variants_created"] == 6
    assert [s["ref"] for s in data["skipped"]] == ["HOODIE-PATTERN", "KITCHEN-SET", "KNIFE-EXT", "EBOOK-TEA"]
    assert data["opening_stock"]["units"] == 27 and data["barcodes_kept"][0]["sku"] == "woo-60"
    assert rows(store, "SELECT count(*) FROM stock_movement WHERE reason = 'opening balance'") == [(4,)]
    before = store_digest(store, ("product", "variant", "product_image", "product_tag", "category", "stock_movement",
                                  "stock_level"))
    again = shop("product", "import", str(WOO), "--from", "woocommerce", "--create-categories", "--opening-stock")
    assert again.exit_code == 0, again.stderr
    assert "0 products created, 0 updated, 4 unchanged" in again.stdout
    assert store_digest(store, ("product", "variant", "product_image", "product_tag", "category", "stock_movement",
                                "stock_level")) == before


@pytest.mark.parametrize(("args", "content", "words"), [
    (["--from", "shopify"], b"Handle,Title\nmug,Mug\n", "column variant price: required column is missing"),
    (["--from", "magento"], None, "not one of shopify, woocommerce"),
    (["--from", "shopify"], b'Handle,Title,Variant Price\nmug,"Mug,1\n', "broken CSV quoting"),
    (["--from", "shopify"], b"Handle,Title,Variant Price,Variant SKU\nmug,Mug,-1,M1\n", "cannot be negative"),
    (["--from", "shopify"], b"Handle,Title,Variant Price,Variant SKU\nmug,Mug,1,M1\ncup,Cup,2,M1\n", "also on line 2"),
    (["--from", "woocommerce"], b"ID,Type,SKU,Name,Regular price\n1,bundle,B1,Box,3\n", "line 2, column Type"),
    (["--from", "shopify", "--strict-barcodes"],
     b"Handle,Title,Variant Price,Variant SKU,Variant Barcode\nmug,Mug,1,M1,4006381333932\n", "check digit"),
])
def test_bad_input_exit_1_and_store_unchanged(shop, store: str, tmp_path: Path, args: list[str],  # type: ignore[no-untyped-def]
                                              content: bytes | None, words: str) -> None:
    path = SHOPIFY
    if content is not None:
        path = tmp_path / "export.csv"
        path.write_bytes(content)
    before = store_digest(store)
    result = shop("product", "import", str(path), *args)
    assert result.exit_code == 1, result.stdout
    assert result.stderr.startswith("error: ") and words in result.stderr
    assert result.stdout == ""
    assert store_digest(store) == before


def test_options_of_foreign_exports_need_from(shop, store: str) -> None:  # type: ignore[no-untyped-def]
    result = shop("product", "import", str(SHOPIFY), "--opening-stock")
    assert result.exit_code == 2 and "--from" in result.stderr
    result = shop("product", "import", str(SHOPIFY), "--from", "shopify", "--format", "csv")
    assert result.exit_code == 2


def test_images_fetch_downloads_links_and_reports_each_failure(shop, store: str, httpserver: HTTPServer,  # type: ignore[no-untyped-def]
                                                               tmp_path: Path) -> None:
    image = png()
    httpserver.expect_request("/ok.png").respond_with_data(image, content_type="image/png")
    httpserver.expect_request("/missing.png").respond_with_data("gone", status=404, content_type="text/plain")
    httpserver.expect_request("/page").respond_with_data("<html></html>", content_type="text/html")
    httpserver.expect_request("/big.png").respond_with_data(png(40_000), content_type="image/png")
    httpserver.expect_request("/lying.png").respond_with_data(b"not really a png", content_type="image/png")
    urls = {name: httpserver.url_for(f"/{name}") for name in ("ok.png", "missing.png", "page", "big.png", "lying.png")}
    header = "Handle,Title,Variant Price,Variant SKU,Image Src,Image Position\n"
    lines = [f"mug,Mug,10,MUG-1,{urls['ok.png']},1", f"mug,,,,{urls['missing.png']},2", f"cup,Cup,5,CUP-1,{urls['page']},1",
             f"cup,,,,{urls['big.png']},2", f"cup,,,,{urls['lying.png']},3"]
    path = tmp_path / "export.csv"
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    assert shop("product", "import", str(path), "--from", "shopify").exit_code == 0
    before = rows(store, "SELECT version FROM product ORDER BY id")
    result = shop("product", "images", "fetch", "--max-mb", "0.02")
    assert result.exit_code == 1
    assert "Fetched 1 of 5 images" in result.stdout and "4 failed" in result.stdout
    err = result.stderr
    assert "missing.png: the server answered HTTP 404" in err and "page: the server sent text/html, not an image" in err
    assert "big.png: the image is" in err and "bytes; at most 20,971 are fetched" in err and "lying.png: the content is not a PNG" in err
    stored = dict(rows(store, "SELECT location, product_id FROM product_image"))
    local = [loc for loc in stored if not loc.startswith("http")]
    assert len(local) == 1 and (media_dir(store) / local[0]).read_bytes() == image  # its name in the media folder
    assert rows(store, "SELECT version FROM product ORDER BY id") == [(before[0][0] + 1,), before[1]]
    again = shop("product", "images", "fetch", "--product", "MUG-1", "--json")
    assert again.exit_code == 1
    data = json.loads(again.stdout)
    assert data["links"] == 1 and data["fetched"] == 0 and "HTTP 404" in data["failed"][0]["reason"]


def test_images_fetch_with_nothing_to_fetch(shop) -> None:  # type: ignore[no-untyped-def]
    result = shop("product", "images", "fetch")
    assert result.exit_code == 0 and "nothing to fetch" in result.stdout
