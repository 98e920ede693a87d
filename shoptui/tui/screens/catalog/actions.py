"""Small dialogs of the catalogue screens and the archive/delete flow both the list and the detail use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.message import Message

from shoptui.errors import NotAllowed
from shoptui.tui.widgets.confirm import Confirm, if_yes

if TYPE_CHECKING:
    from shoptui.tui.app import ShopApp


class ProductActions:
    """Mix into a screen: ``ask_archive`` / ``ask_delete`` with confirmation, workers and the
    delete-refused-so-archive offer. The screen implements ``product_changed(text)``."""

    @dataclass
    class Changed(Message):
        """A product was archived or deleted (the announcement sentence)."""

        text: str
        deleted: bool = False

    @dataclass
    class DeleteRefused(Message):
        """The service refused to delete a product (it has history)."""

        product_id: int
        title: str
        version: int
        sentence: str

    def product_changed(self, text: str, deleted: bool) -> None:
        """Called after an archive or a delete landed."""

    @property
    def _shop(self) -> ShopApp:
        return cast("ShopApp", cast(Any, self).app)

    def ask_archive(self, product_id: int, title: str, version: int, status: str) -> None:
        """Confirm, then archive."""
        if status == "archived":
            self._shop.announce(f"{title} is already archived.")
            return
        self._shop.push_screen(
            Confirm(f"Archive {title}? It leaves the shop but keeps its history; edit it to bring it back.",
                          yes="Archive"),
            if_yes(lambda: self.archive_product(product_id, version)))

    def ask_delete(self, product_id: int, title: str, version: int, variant_count: int) -> None:
        """Confirm, then delete (the service refuses when the product has history)."""
        self._shop.push_screen(
            Confirm(f"Delete {title} and its {variant_count} variant{'s' if variant_count != 1 else ''}? "
                          "This cannot be undone.", yes="Delete", danger=True),
            if_yes(lambda: self.delete_product(product_id, title, version)))

    @work(thread=True, group="products-write", exit_on_error=False)
    def archive_product(self, product_id: int, version: int) -> None:
        """Archive one product (one transaction, audited)."""
        from shoptui import db
        from shoptui.services import catalog

        shop = self._shop
        product = db.run_transaction(
            lambda session: catalog.archive_product(session=session, actor=shop.actor, product_id=product_id,
                                                    expect_version=version),
            shop.db_url)
        cast(Any, self).post_message(self.Changed(f"Archived {product.title}."))

    @work(thread=True, group="products-write", exit_on_error=False)
    def delete_product(self, product_id: int, title: str, version: int) -> None:
        """Delete one product; when it has history, offer to archive it instead."""
        from shoptui import db
        from shoptui.services import catalog

        shop = self._shop
        try:
            sentence = db.run_transaction(
                lambda session: catalog.delete_product(session=session, actor=shop.actor, product_id=product_id,
                                                       expect_version=version),
                shop.db_url)
        except NotAllowed as exc:
            cast(Any, self).post_message(self.DeleteRefused(product_id, title, version, str(exc)))
            return
        cast(Any, self).post_message(self.Changed(sentence, deleted=True))

    def on_product_actions_changed(self, event: ProductActions.Changed) -> None:
        self._shop.announce(event.text)
        self.product_changed(event.text, event.deleted)

    def on_product_actions_delete_refused(self, event: ProductActions.DeleteRefused) -> None:
        sentence = event.sentence.split(" Archive it instead")[0]
        self._shop.push_screen(
            Confirm(f"{sentence}\n\nArchive {event.title} instead?", yes="Archive"),
            if_yes(lambda: self.archive_product(event.product_id, event.version)))
