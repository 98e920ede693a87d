"""The counter: baskets, payments, receipts and till shifts."""

# The domain's API: faces and other domains import only these names (tests/test_domain_apis.py checks it).
from .counter import (
    Basket as Basket,
    PaymentPlan as PaymentPlan,
    SaleResult as SaleResult,
    Tender as Tender,
    add_coupon as add_coupon,
    attach_customer as attach_customer,
    complete_sale as complete_sale,
    detach_customer as detach_customer,
    new_basket as new_basket,
    normalise_method as normalise_method,
    parse_scan as parse_scan,
    plan_payment as plan_payment,
    refresh as refresh,
    remove_coupon as remove_coupon,
    remove_line as remove_line,
    scan as scan,
    sell as sell,
    set_discount as set_discount,
    set_line_discount as set_line_discount,
    set_points as set_points,
    set_quantity as set_quantity,
    step_minor as step_minor,
)
from .shifts import (
    ShiftRead as ShiftRead,
    ShiftReport as ShiftReport,
    close_shift as close_shift,
    current_shift as current_shift,
    list_shifts as list_shifts,
    open_shift as open_shift,
    shift_report as shift_report,
)
