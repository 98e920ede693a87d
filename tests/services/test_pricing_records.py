"""The fast record constructors the offers use give the very objects the dataclasses' own ``__init__`` gives."""

from __future__ import annotations

import dataclasses

import pytest

from shoptui.services.orders import importing
from shoptui.services.pricing import engine as pricing
from shoptui.services.pricing import terms

CASES = [
    (pricing._price_adjustment, pricing.PriceAdjustment, ("promotion", -120, "Tenth off", "promotion:3", (0, 2), (5, 7))),
    (pricing._priced_line, pricing.PricedLine, ("TEE-01", 2, 9900, 19800, 0, 19800, -1980, 17820, 2050)),
    (pricing._explanation, pricing.Explanation, ("coupon", "Ten off (SAVE10)", -1000, "coupon:SAVE10", ("TEE-01",), "")),
    (pricing._applied_promotion, pricing.AppliedPromotion, (3, "Tenth off", 1980, 0)),
    (pricing.make_offer_line, pricing.OfferLine, ("TEE-01", 2, 9900, 100, 7, 3, "/1/4/", "Basic tee / M", None)),
    (pricing._priced_order, pricing.PricedOrder, ((), (), 19800, -1980, 500, 58, 18320, 2108, 1300)),
    (terms._priced, terms.Priced, ((), (), pricing.price_order((), (), 0, 0), None, (), (), 0, None, ("noted",))),
    (importing._make_line, importing._Line,  # a subclass: its own fields after the inherited ones
     ("TEE-01", 2, 9900, 100, None, None, "", "", None, 7, "Basic tee", "Tops", 19700)),
]


@pytest.mark.parametrize(("make", "cls", "values"), CASES, ids=[c[1].__name__ for c in CASES])
def test_fast_records_equal_the_dataclass(make, cls, values) -> None:  # type: ignore[no-untyped-def]
    fast, plain = make(*values), cls(*values)
    assert type(fast) is cls and fast is not plain
    assert fast == plain and hash(fast) == hash(plain) and repr(fast) == repr(plain)
    assert dataclasses.asdict(fast) == dataclasses.asdict(plain)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.__setattr__(dataclasses.fields(cls)[0].name, None)
    with pytest.raises(ValueError):  # every field, in order, or nothing
        make(*values[:-1])


def test_a_class_the_shortcut_cannot_build_keeps_its_own_init() -> None:
    @dataclasses.dataclass(frozen=True)
    class Checked:
        amount: int

        def __post_init__(self) -> None:
            if self.amount < 0:
                raise ValueError("negative")

    assert pricing.record_maker(Checked) is Checked
