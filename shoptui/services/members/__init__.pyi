"""Customers and members: contacts, tiers, points, store credit."""

# The domain's API: faces and other domains import only these names (tests/test_domain_apis.py checks it).
from .core import find_member_row as find_member_row
from .credit import CreditMovementRead as CreditMovementRead, credit_history as credit_history
from .customers import (
    AddressInput as AddressInput,
    CustomerCreate as CustomerCreate,
    CustomerRead as CustomerRead,
    CustomerUpdate as CustomerUpdate,
    add_customer as add_customer,
    clean_address as clean_address,
    find_customer_row as find_customer_row,
    find_or_add as find_or_add,
    further_contact_holders as further_contact_holders,
    get_customer as get_customer,
    list_customers as list_customers,
    phone_variants as phone_variants,
    update_customer as update_customer,
)
from .figures import dashboard_figures as dashboard_figures
from .movein import (
    CustomerImportItem as CustomerImportItem,
    CustomerImportRefused as CustomerImportRefused,
    CustomerImportReport as CustomerImportReport,
    import_customers as import_customers,
)
from .points import (
    GiftRead as GiftRead,
    PointsMovementRead as PointsMovementRead,
    add_event as add_event,
    add_gift as add_gift,
    end_event as end_event,
    expiring as expiring,
    list_events as list_events,
    list_gifts as list_gifts,
    points_history as points_history,
)
from .profiles import (
    MemberCreate as MemberCreate,
    MemberRead as MemberRead,
    MemberUpdate as MemberUpdate,
    add_member as add_member,
    adjust_points as adjust_points,
    can_message as can_message,
    credit_change as credit_change,
    expire_points as expire_points,
    find_member as find_member,
    get_member as get_member,
    max_redeemable_points as max_redeemable_points,
    member_profile as member_profile,
    merge_members as merge_members,
    points_value_minor as points_value_minor,
    recalc_tiers as recalc_tiers,
    redeem_gift as redeem_gift,
    redeem_points as redeem_points,
    update_member as update_member,
)
from .tiers import (
    RecalcResult as RecalcResult,
    TierChangeRead as TierChangeRead,
    TierRead as TierRead,
    TierUpdate as TierUpdate,
    add_tier as add_tier,
    edit_tier as edit_tier,
    list_tiers as list_tiers,
    member_tiers_of as member_tiers_of,
    tier_history as tier_history,
)
from .views import (
    MergePreview as MergePreview,
    NextExpiry as NextExpiry,
    TierProgress as TierProgress,
    list_members as list_members,
    merge_preview as merge_preview,
    next_expiry as next_expiry,
    tier_progress as tier_progress,
)
