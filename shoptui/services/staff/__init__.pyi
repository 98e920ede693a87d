"""Staff accounts and security: accounts, passwords, logins, sessions and tokens, two-factor, allowed networks."""

# The domain's API: faces and other domains import only these names (tests/test_domain_apis.py checks it).
from .accounts import (
    RoleRead as RoleRead,
    StaffRead as StaffRead,
    add_staff as add_staff,
    check_name as check_name,
    check_role as check_role,
    edit_staff as edit_staff,
    has_accounts as has_accounts,
    init_owner as init_owner,
    list_roles as list_roles,
    list_staff as list_staff,
    reset_password as reset_password,
    set_active as set_active,
    set_grant as set_grant,
    set_pin as set_pin,
    show_staff as show_staff,
    unlock as unlock,
)
from .auth import (
    Authenticated as Authenticated,
    LoginResult as LoginResult,
    TokenRead as TokenRead,
    authenticate as authenticate,
    change_password as change_password,
    create_api_token as create_api_token,
    list_tokens as list_tokens,
    login as login,
    logout as logout,
    pin_switch as pin_switch,
    record_refusal as record_refusal,
    revoke_token as revoke_token,
    store_id as store_id,
)
from .networks import address_allowed as address_allowed, parse_networks as parse_networks
from .passwords import check_password as check_password, check_pin as check_pin
from .twofactor import (
    Enrolment as Enrolment,
    confirm_enrolment as confirm_enrolment,
    new_recovery_codes as new_recovery_codes,
    qr_text as qr_text,
    start_enrolment as start_enrolment,
    turn_off as turn_off,
)
