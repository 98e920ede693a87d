"""Product images kept as links (an import's ``https://...`` locations) downloaded into the store's media folder.

Three steps, so no download ever holds the store's write lock: ``remote_images`` lists the links
(a read), ``download_image`` fetches one into the folder (no session: a timeout, a size limit, the
server's content type and the file's own first bytes must both say image), and ``use_local_images``
replaces each link that is still the product's by its file (one write, audited, version bumped).
Files are named by a digest of their URL, so fetching again reuses the file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import Session, col

from shoptui import clock
from shoptui.config import Actor, private_dir
from shoptui.errors import InvalidInput
from shoptui.models.catalog import Product, ProductImage
from shoptui.services import shop
from shoptui.services.catalog.fields import image_kind
from shoptui.store.rows import tuples

DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_SUFFIX = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WebP": ".webp"}
_USER_AGENT = "shoptui image fetch"


class RemoteImage(BaseModel):
    """An image of a product kept as an http(s) link."""

    product_id: int
    position: int
    url: str


class LocalImage(BaseModel):
    """A downloaded image: the link it was and its name in the media folder now."""

    product_id: int
    position: int
    url: str
    path: str


def remote_images(*, session: Session, product_id: int | None = None) -> list[RemoteImage]:
    """The images kept as http(s) links, of one product or of every product, by product and position."""
    query = sa_select(col(ProductImage.product_id), col(ProductImage.position), col(ProductImage.location)).where(
        col(ProductImage.location).like("http%://%"))
    if product_id is not None:
        query = query.where(col(ProductImage.product_id) == product_id)
    rows = tuples(session.execute(query.order_by(col(ProductImage.product_id), col(ProductImage.position))))
    return [RemoteImage(product_id=pid, position=pos, url=url) for pid, pos, url in rows
            if url.startswith(("http://", "https://"))]


def download_image(url: str, folder: Path, *, timeout: float = DEFAULT_TIMEOUT_S,
                   max_bytes: int = DEFAULT_MAX_BYTES) -> Path:
    """Download one image into ``folder`` (created when missing) and return its file.

    Raises InvalidInput with the reason: not http(s), the server's answer (HTTP 404, a timeout, no
    connection), not an image by its content type or its first bytes, or larger than ``max_bytes``.
    """
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"{url} is not an http(s) link.")
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT, "Accept": "image/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # http(s) only, checked above
            kind = (response.headers.get_content_type() or "").lower()
            if not kind.startswith("image/"):
                raise InvalidInput(f"the server sent {kind or 'no content type'}, not an image")
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise InvalidInput(f"the image is {int(length):,} bytes; at most {max_bytes:,} are fetched")
            data = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise InvalidInput(f"the server answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise InvalidInput(f"cannot reach the server ({exc.reason})") from None
    except TimeoutError:
        raise InvalidInput(f"no answer within {timeout:g} seconds") from None
    except OSError as exc:
        raise InvalidInput(f"the download failed ({exc})") from None
    if len(data) > max_bytes:
        raise InvalidInput(f"the image is larger than {max_bytes:,} bytes")
    found = image_kind(data[:16])
    if found is None:
        raise InvalidInput("the content is not a PNG, JPEG, GIF or WebP image")
    private_dir(folder)  # the owner's only, as every file the store keeps
    target = folder / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:32] + _SUFFIX[found])
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".fetch-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {target} ({exc.strerror})") from None
    return target


def use_local_images(*, session: Session, actor: Actor, images: Sequence[LocalImage]) -> int:
    """Replace each link by its downloaded file where the product still has that link at that position.

    Returns how many were replaced; each product changed is audited once and its version bumped.
    """
    by_product: dict[int, list[LocalImage]] = {}
    for image in images:
        by_product.setdefault(image.product_id, []).append(image)
    replaced = 0
    now = clock.now()
    for product_id, mine in sorted(by_product.items()):
        before: dict[str, str] = {}
        after: dict[str, str] = {}
        for image in mine:
            changed = session.exec(update(ProductImage).where(
                col(ProductImage.product_id) == product_id, col(ProductImage.position) == image.position,
                col(ProductImage.location) == image.url).values(location=image.path)
                .execution_options(synchronize_session=False)).rowcount
            if changed:
                before[str(image.position)] = image.url
                after[str(image.position)] = image.path
        if after:
            replaced += len(after)
            session.execute(update(Product).where(col(Product.id) == product_id).values(
                version=col(Product.version) + 1, updated_at=now))
            shop.record(session=session, actor=actor, action="product.update", entity="product", entity_id=product_id,
                        summary=f"downloaded {len(after)} {'image' if len(after) == 1 else 'images'}",
                        before={"images": before}, after={"images": after})
    session.flush()
    return replaced
