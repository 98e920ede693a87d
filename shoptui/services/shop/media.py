"""The store's media folder: the logo and product images, copied in and kept under content-hashed names.

A picture is kept by the store as its *media name* (``3f9a...c1.png``: 32 hex digits of the SHA-256 of
its bytes and its kind's suffix), never as an outside path: a file given from anywhere (``settings set
logo FILE``, ``product add --image FILE``, an import naming local files) is checked (Pillow opens it as a
PNG, JPEG, GIF or WebP image of at most ``MAX_IMAGE_BYTES``) and copied into ``config.media_dir`` of the
store (0600 files in a 0700 folder), so a backup carries it and a restored store finds it. The same bytes
give the same name, so copying twice keeps one file. ``check_media`` (``db check``) names every file the
store refers to that is missing.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from shoptui.config import PRIVATE_FILE_MODE, media_dir, private_dir
from shoptui.errors import InvalidInput
from shoptui.store.rows import tuples

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MEDIA_NAME = re.compile(r"[0-9a-f]{32}\.(?:png|jpg|gif|webp)")
_SUFFIX = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WEBP": ".webp"}
FILE_SETTINGS = ("logo",)  # settings whose value is a media name


def store_url(session: Session) -> str:
    """The URL of the store behind ``session`` (with its password: it never leaves this module)."""
    return session.get_bind().engine.url.render_as_string(hide_password=False)


def media_folder(session: Session) -> Path:
    """The media folder of the store behind ``session`` (not created here)."""
    return media_dir(store_url(session))


def is_media_name(location: str) -> bool:
    """True when ``location`` is a name inside the media folder (not a URL, not a path)."""
    return MEDIA_NAME.fullmatch(location) is not None


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def media_path(media: Path, location: str) -> Path | None:
    """The file a stored image location means: ``media / name`` for a media name, the path itself for an
    absolute path (kept by an older shoptui), ``None`` for a link."""
    if is_url(location) or "://" in location:
        return None
    if is_media_name(location):
        return media / location
    return Path(location)


def read_image(path: Path, *, field: str = "images") -> tuple[bytes, str]:
    """The bytes and suffix of an image file fit for the media folder; InvalidInput (naming ``field``) for a
    missing, unreadable, oversized or damaged file, or one that is not a PNG, JPEG, GIF or WebP image."""
    from PIL import Image, UnidentifiedImageError

    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InvalidInput(f"The image file {path} does not exist.", field=field) from None
    except OSError as exc:
        raise InvalidInput(f"The image file {path} cannot be read ({exc.strerror}).", field=field) from None
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file; give an image file.", field=field)
    if size > MAX_IMAGE_BYTES:
        raise InvalidInput(
            f"The image file {path} is {size:,} bytes; at most {MAX_IMAGE_BYTES // (1024 * 1024)} MB "
            "is kept. Make it smaller and try again.",
            field=field,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"The image file {path} cannot be read ({exc.strerror}).", field=field) from None
    if not data:
        raise InvalidInput(f"The image file {path} is empty.", field=field)
    try:
        import io

        with Image.open(io.BytesIO(data)) as image:
            kind = (image.format or "").upper()
            image.verify()  # the whole file: a truncated or damaged picture is refused here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, UnidentifiedImageError):
            reason = "it is not an image"
        else:
            reason = f"it is damaged ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
        raise InvalidInput(
            f"The file {path} cannot be used as an image: {reason}. Give a PNG, JPEG, GIF or WebP file.", field=field
        ) from None
    suffix = _SUFFIX.get(kind)
    if suffix is None:
        raise InvalidInput(
            f"The file {path} is a {kind or 'unknown'} image; give a PNG, JPEG, GIF or WebP file.", field=field
        )
    return data, suffix


def media_name(data: bytes, suffix: str) -> str:
    """The content-hashed name of an image's bytes: the same picture always gets the same name."""
    return hashlib.sha256(data).hexdigest()[:32] + suffix


def keep_file(session: Session, path: Path, *, copy: bool = True, field: str = "images") -> str:
    """Check the image at ``path`` and copy it into the store's media folder; returns its media name.

    With ``copy=False`` (a dry run) the name is worked out and nothing is written.
    """
    data, suffix = read_image(path, field=field)
    name = media_name(data, suffix)
    if copy:
        write_media(media_folder(session), name, data)
    return name


def write_media(media: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``media / name`` (owner-only, whole or not at all); an existing file is kept."""
    try:
        private_dir(media)
        target = media / name
        if target.is_file() and target.stat().st_size == len(data):
            return target
        handle, temporary = tempfile.mkstemp(dir=media, prefix=".media-")  # 0600 by mkstemp
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, PRIVATE_FILE_MODE)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InvalidInput(f"The image cannot be copied into the media folder {media} ({exc.strerror}).") from None
    return target


def keep_files(session: Session, locations: Sequence[str], *, copy: bool = True, field: str = "images") -> list[str]:
    """Stored image locations: links and media names as they are, each local file copied in (its media
    name); a path already inside the media folder becomes its name. Repeats are dropped, order kept."""
    if not locations:
        return []
    media = media_folder(session).resolve()
    kept: list[str] = []
    for location in locations:
        value = location
        if not is_url(location) and not is_media_name(location):
            path = Path(location).expanduser()
            if path.parent.resolve() == media and is_media_name(path.name):
                value = path.name
            else:
                value = keep_file(session, path, copy=copy, field=field)
        if value not in kept:
            kept.append(value)
    return kept


def setting_file(session: Session, raw: str) -> str:
    """The value a file setting (the logo) keeps for ``raw``: ``""`` clears it, a media name stays, a file
    path is checked and copied in (relative to the current folder)."""
    value = raw.strip()
    if not value or is_media_name(value):
        return value
    if is_url(value) or "://" in value:
        raise InvalidInput(
            "The logo must be an image file on this machine, not a link; download it first.", field="logo"
        )
    return keep_file(session, Path(value).expanduser().resolve(), field="logo")


def _referenced(session: Session) -> Iterable[tuple[str, str]]:
    """(what refers to it, location) of every picture the store keeps outside its rows."""
    from shoptui.models.catalog import ProductImage
    from shoptui.models.store import StoreSetting

    for key in FILE_SETTINGS:
        row = session.get(StoreSetting, key)
        if row is not None and isinstance(row.value, str) and row.value:
            yield f"setting {key}", row.value
    query = (
        sa_select(col(ProductImage.product_id), col(ProductImage.position), col(ProductImage.location))
        .where(~col(ProductImage.location).like("http%://%"))
        .order_by(col(ProductImage.product_id), col(ProductImage.position))
    )
    for product_id, position, location in tuples(session.execute(query)):
        yield f"product {product_id} image {position + 1}", location


def check_media(*, session: Session) -> list[str]:
    """Media files: every logo and product image file the store names is there."""
    media = media_folder(session)
    problems: list[str] = []
    for owner, location in _referenced(session):
        path = media_path(media, location)
        if path is not None and not path.is_file():
            problems.append(f"{owner}: missing file {path}")
    return problems


def referenced_names(session: Session) -> set[str]:
    """The media names the store refers to (the logo and product images)."""
    return {location for _, location in _referenced(session) if is_media_name(location)}
