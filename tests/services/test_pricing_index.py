"""The promotions' scope index and the faster allocation give exactly what the plain rules give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shoptui.services.pricing import engine as pricing
from shoptui.services.pricing import rounding

PATHS = ["", "/1/", "/1/5/", "/1/5/9/", "/2/", "/10/", "/1/50/"]


@st.composite
def scopes(draw: st.DrawFn) -> pricing.Scope:
    kind = draw(st.sampled_from(["all", "products", "categories"]))
    if kind == "products":
        return pricing.Scope("products", product_ids=frozenset(draw(st.lists(st.integers(1, 6), max_size=4))))
    if kind == "categories":
        return pricing.Scope("categories", category_paths=tuple(draw(st.lists(st.sampled_from(PATHS), max_size=3))))
    return pricing.Scope()


@st.composite
def lines(draw: st.DrawFn) -> tuple[pricing.OfferLine, ...]:
    return tuple(pricing.OfferLine(key=f"L{i}", quantity=1, unit_price_minor=100,
                                   product_id=draw(st.one_of(st.none(), st.integers(1, 6))),
                                   category_path=draw(st.sampled_from(PATHS)),
                                   gift_of=draw(st.sampled_from([None, None, None, 7])))
                 for i in range(draw(st.integers(0, 12))))


@settings(max_examples=300, deadline=None)
@given(rule_scopes=st.lists(scopes(), max_size=12), cart=lines(),
       priorities=st.lists(st.integers(0, 3), min_size=12, max_size=12))
def test_the_index_covers_exactly_the_lines_each_scope_matches(rule_scopes, cart, priorities) -> None:
    rules = [pricing.PromotionRule(id=n + 1, name=f"p{n}", kind="discount", percent_bp=500, priority=priorities[n],
                                   scope=scope) for n, scope in enumerate(rule_scopes)]
    index = pricing._rule_index(rules)
    assert [r.id for r in index.ordered] == [r.id for r in sorted(rules, key=lambda r: (-r.priority, r.id))]
    expected = {pos: [i for i, line in enumerate(cart) if rule.scope.matches(line)]
                for pos, rule in enumerate(index.ordered)}
    assert index.scopes(cart) == {pos: found for pos, found in expected.items() if found}


def test_an_index_is_reused_only_for_the_same_rule_objects() -> None:
    first = [pricing.PromotionRule(id=1, name="a", kind="discount", percent_bp=500)]
    second = [pricing.PromotionRule(id=1, name="a", kind="discount", percent_bp=500,
                                    scope=pricing.Scope("products", product_ids=frozenset({3})))]
    assert pricing._rule_index(first) is pricing._rule_index(list(first))
    assert pricing._rule_index(second) is not pricing._rule_index(first)
    assert pricing._rule_index(second).everything == []


def _allocate_plain(total_minor: int, weights: list[int]) -> list[int]:
    weight_sum = sum(weights)
    sign = -1 if total_minor < 0 else 1
    total = abs(total_minor)
    parts = [total * w // weight_sum for w in weights]
    left = total - sum(parts)
    for i in sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))[:left]:
        parts[i] += 1
    return parts if sign == 1 else [-p for p in parts]


@settings(max_examples=300, deadline=None)
@given(total=st.integers(-10**9, 10**9), weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
def test_allocate_splits_as_largest_remainder_with_ties_to_the_earlier_part(total, weights) -> None:
    if sum(weights) == 0:
        weights = weights[:-1] + [1]
    assert rounding.allocate(total, weights) == _allocate_plain(total, weights)
    assert sum(rounding.allocate(total, weights)) == total
