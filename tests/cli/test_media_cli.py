"""The store's media (issue 14, "Store details and upkeep"): the logo and product images are copied into the
store's media folder under content-hashed names, never kept as outside paths; bad files are refused with
one line and change nothing; ``db check`` names every missing file."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest
from PIL import Image

from shoptui.config import media_dir
from tests.cli.conftest import store_digest
from tests.store_files import rows


def picture(path: Path, colour: tuple[int, int, int] = (200, 30, 30), fmt: str = "PNG", size: int = 8) -> Path:
    """A small real image file."""
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, format=fmt)
    path.write_bytes(buffer.getvalue())
    return path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _setting(store: str, key: str) -> object:
    found = rows(store, "SELECT value FROM store_setting WHERE key = :key", {"key": key})
    if not found:
        return None
    value = found[0][0]  # JSON text on SQLite, already decoded on PostgreSQL
    return json.loads(value) if isinstance(value, str) and value.startswith('"') else value


def test_logo_is_copied_into_media_and_cleared(shop, store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = picture(tmp_path / "logo.png")
    done = shop("settings", "set", "logo", str(source))
    assert done.exit_code == 0, done.stderr
    name = _setting(store, "logo")
    assert isinstance(name, str) and str(tmp_path) not in name and name.endswith(".png") and len(name) == 36
    kept = media_dir(store) / name
    assert kept.read_bytes() == source.read_bytes()
    assert _mode(kept) == 0o600 and _mode(media_dir(store)) == 0o700
    source.unlink()  # the store keeps its own copy
    assert kept.is_file() and f"Set logo to {name}." in done.stdout
    entries = json.loads(shop("audit", "list", "--entity", "setting", "--json").stdout)
    assert entries[0]["entity_id"] == "logo" and entries[0]["after"] == {"value": name}
    # the same picture again keeps one file; a JPEG gets its own name
    again = shop("settings", "set", "logo", str(picture(tmp_path / "again.png")))
    assert again.exit_code == 0 and _setting(store, "logo") == name
    assert shop("settings", "set", "logo", str(picture(tmp_path / "l.jpg", fmt="JPEG"))).exit_code == 0
    assert str(_setting(store, "logo")).endswith(".jpg")
    cleared = shop("settings", "set", "logo", "")
    assert cleared.exit_code == 0 and _setting(store, "logo") == ""
    assert json.loads(shop("settings", "show", "--json").stdout)["logo"] == ""


def test_bad_logo_files_are_refused_and_change_nothing(shop, store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = tmp_path / "notes.png"
    text.write_text("just words, not a picture")
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(picture(tmp_path / "whole.png", size=64).read_bytes()[:60])
    huge = tmp_path / "huge.png"
    huge.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024))
    bitmap = picture(tmp_path / "old.bmp", fmt="BMP")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    cases = {
        str(tmp_path / "nope.png"): "does not exist",
        str(text): "it is not an image",
        str(truncated): "cannot be used as an image",
        str(huge): "at most 5 MB",
        str(bitmap): "is a BMP image; give a PNG, JPEG, GIF or WebP file",
        str(empty): "is empty",
        str(tmp_path): "is not a file",
        "https://example.com/logo.png": "not a link",
        "ünïcödé-名字.png": "does not exist",
    }
    before = store_digest(store)
    for value, sentence in cases.items():
        result = shop("settings", "set", "logo", value)
        assert result.exit_code == 1, (value, result.output)
        assert result.stderr.startswith("error: ") and sentence in result.stderr, (value, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert store_digest(store) == before
    assert not media_dir(store).exists() or list(media_dir(store).iterdir()) == []


def test_product_images_are_copied_in_and_db_check_names_missing_ones(shop, store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    red = picture(tmp_path / "red.png")
    blue = picture(tmp_path / "blue.gif", colour=(0, 0, 250), fmt="GIF")
    added = shop(
        "product",
        "add",
        "--title",
        "Mug",
        "--sku",
        "MUG-1",
        "--price",
        "10",
        "--image",
        str(red),
        "--image",
        "https://example.com/mug.jpg",
    )
    assert added.exit_code == 0, added.stderr
    stored = [loc for (loc,) in rows(store, "SELECT location FROM product_image ORDER BY position")]
    assert stored[1] == "https://example.com/mug.jpg"  # a link stays a link until 'product images fetch'
    assert stored[0].endswith(".png") and "/" not in stored[0]
    assert (media_dir(store) / stored[0]).read_bytes() == red.read_bytes()
    edited = shop("product", "edit", "MUG-1", "--image", str(blue), "--image", stored[0])
    assert edited.exit_code == 0, edited.stderr
    stored = [loc for (loc,) in rows(store, "SELECT location FROM product_image ORDER BY position")]
    assert stored[0].endswith(".gif") and (media_dir(store) / stored[0]).read_bytes() == blue.read_bytes()
    assert stored[1].endswith(".png")
    bad = shop("product", "edit", "MUG-1", "--image", str(tmp_path / "gone.png"))
    assert bad.exit_code == 1 and "does not exist" in bad.stderr
    assert shop("settings", "set", "logo", str(red)).exit_code == 0

    check = shop("db", "check")
    assert check.exit_code == 0 and "ok    Media files" in check.stdout, check.output
    (media_dir(store) / stored[0]).unlink()  # the GIF (a product image), and the logo's PNG too
    (media_dir(store) / stored[1]).unlink()
    broken = shop("db", "check")
    assert broken.exit_code == 1 and "FAIL  Media files" in broken.stdout
    lines = [line.strip() for line in broken.stdout.splitlines() if "missing file" in line]
    assert lines == [
        f"setting logo: missing file {media_dir(store) / stored[1]}",
        f"product 1 image 1: missing file {media_dir(store) / stored[0]}",
        f"product 1 image 2: missing file {media_dir(store) / stored[1]}",
    ]


def test_an_import_copies_local_files_and_a_dry_run_copies_none(shop, store: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    picture(tmp_path / "cup.png", colour=(1, 2, 3))
    sheet = tmp_path / "products.csv"
    sheet.write_text("sku,title,price,images\nCUP-1,Cup,5,cup.png\n", encoding="utf-8")
    dry = shop("product", "import", str(sheet), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert not media_dir(store).exists() or list(media_dir(store).iterdir()) == []
    done = shop("product", "import", str(sheet))
    assert done.exit_code == 0, done.output
    (location,) = [loc for (loc,) in rows(store, "SELECT location FROM product_image")]
    assert (media_dir(store) / location).read_bytes() == (tmp_path / "cup.png").read_bytes()
    (tmp_path / "fake.png").write_text("no picture")
    sheet.write_text("sku,title,price,images\nCUP-2,Cup 2,5,fake.png\n", encoding="utf-8")
    refused = shop("product", "import", str(sheet))
    assert refused.exit_code == 1 and "line 2" in refused.stderr and "not an image" in refused.stderr


@pytest.mark.parametrize("value", ["../../etc/passwd", "0123456789abcdef0123456789abcdef.exe"])
def test_a_logo_value_that_is_no_media_name_is_refused_by_the_setting(store: str, value: str) -> None:
    from shoptui.errors import InvalidInput
    from shoptui.services.shop.setting_defs import definitions

    with pytest.raises(InvalidInput, match="not an image kept by the store"):
        definitions()["logo"].parse(value)


def test_a_server_stores_media_folder_is_under_shoptui_media_dir(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from shoptui.config import data_dir, media_dir

    monkeypatch.setenv("SHOPTUI_MEDIA_DIR", str(tmp_path / "shared"))
    assert media_dir("postgresql+psycopg://shop@db/lucky?host=/run/pg") == tmp_path / "shared" / "lucky"
    assert media_dir(f"sqlite:///{tmp_path / 'shop.db'}") == tmp_path / "media"  # a file's media sit beside it
    monkeypatch.delenv("SHOPTUI_MEDIA_DIR")
    assert media_dir("postgresql+psycopg://shop@db/lucky") == data_dir() / "media" / "lucky"
