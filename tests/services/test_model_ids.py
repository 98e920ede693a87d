"""Ids read back from the store: ``id_of`` for one row, ``ids_of`` for a column of ids."""

from __future__ import annotations

import pytest

from shoptui.models._types import id_of, ids_of
from shoptui.models.catalog import Category


def test_ids_of_keeps_the_ids_in_order() -> None:
    assert ids_of(iter([3, 1, 2])) == [3, 1, 2]
    assert ids_of([]) == []


def test_ids_of_refuses_a_missing_id() -> None:
    with pytest.raises(RuntimeError, match="is None"):
        ids_of([1, None])


def test_id_of_refuses_a_row_not_yet_flushed() -> None:
    with pytest.raises(RuntimeError, match="has no id yet"):
        id_of(Category(name="Shirts", slug="shirts", position=0, path="/"))
    assert id_of(Category(id=7, name="Shirts", slug="shirts", position=0, path="/")) == 7
