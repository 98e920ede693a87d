"""Promotions and coupons, and what they did."""

# The domain's API: faces and other domains import only these names (tests/test_domain_apis.py checks it).
from .coupons import (
    CodeRead as CodeRead,
    CouponInput as CouponInput,
    CouponRead as CouponRead,
    IssueResult as IssueResult,
    Segment as Segment,
    SendResult as SendResult,
    add_coupon as add_coupon,
    describe_coupon as describe_coupon,
    export_codes as export_codes,
    get_coupon as get_coupon,
    issue_coupon as issue_coupon,
    list_codes as list_codes,
    list_coupons as list_coupons,
    send_coupon as send_coupon,
    set_coupon_status as set_coupon_status,
)
from .links import UTM_KEYS as UTM_KEYS, tagged_link as tagged_link
from .promotions import (
    PromotionInput as PromotionInput,
    PromotionRead as PromotionRead,
    PromotionUpdate as PromotionUpdate,
    add_promotion as add_promotion,
    describe_promotion as describe_promotion,
    get_promotion as get_promotion,
    list_promotions as list_promotions,
    promotion_state as promotion_state,
    set_status as set_status,
    update_promotion as update_promotion,
)
from .reports import (
    UsageReport as UsageReport,
    order_coupon_codes as order_coupon_codes,
    record_usage as record_usage,
    release_usage as release_usage,
    usage_report as usage_report,
)
