"""What every report means: the one text ``shoptui report --help`` shows, and the names the reports accept."""

from __future__ import annotations

TIME_BREAKDOWNS = ("day", "week", "month", "quarter", "year")
BREAKDOWNS = (
    *TIME_BREAKDOWNS,
    "region",
    "province",
    "city",
    "country",
    "channel",
    "payment",
    "category",
    "product",
    "variant",
    "customer",
    "member-tier",
    "promotion",
    "coupon",
    "source",
    "staff",
)
COMPARES = ("previous", "year")

DEFINITIONS = """\
Definitions (the same in every report):

- A sale counts on the day its order was placed, in the store's time zone. Cancelled orders never
  count. Open orders with no payment yet are listed apart ("unpaid"), not in sales.

- gross_sales: the lines at their list price (quantity x unit price).

- discounts: every promotion, coupon, member, points and manual discount: line discounts plus each line's
  share of the order's adjustments (the shares stored on the order lines, which add up to the order's
  adjustments exactly; a surcharge or cash rounding up counts as a negative discount).

- returns: money refunded for goods, counted on the day of the refund (a refund after a period ends
  never changes that period's figures). Refunded shipping and refunds not tied to goods are left out.

- net_sales = gross_sales - discounts - returns. Prices include tax; tax (its part of the lines) and
  shipping are shown separately and shipping is not in net_sales.

- orders: orders placed; units: units on them; average_order_value = net_sales / orders (rounded half
  up to the currency's minor unit).

- cost: the units sold at the variant's cost when each line was sold, less the cost of refunded units;
  gross_margin = net_sales - cost; margin % = gross_margin / net_sales.

- Money is exact minor units (decimal strings in JSON). A breakdown's rows add up to its total
  exactly: every money figure and units, and orders in the breakdowns by order (time, place, channel,
  payment, customer, member-tier, promotion, coupon, source, staff). By category, product or variant a
  line counts in its own row and "orders" counts, for each variant in the row, the orders with a line of
  it (an order with two variants of one product counts twice in the product's row, and in two rows once
  in each). By payment an order counts under its largest payment method, by promotion and coupon
  under its largest promotion or coupon discount; an order with none counts under "(none)". By member-tier
  an order counts under the tier its customer had when it was placed (guests and non-members: "(none)").
"""
