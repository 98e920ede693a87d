"""The shop as a whole: settings, the audit log, notifications, dashboard, global search, checks."""

# The domain's API: faces and other domains import only these names (tests/test_domain_apis.py checks it).
from .audit import AUDIT_KINDS as AUDIT_KINDS, AuditEntryRead as AuditEntryRead, list_entries as list_entries, record as record, record_many as record_many
from .checks import run_checks as run_checks
from .contacts import (
    check_email as check_email,
    country_code as country_code,
    optional_email as optional_email,
    optional_phone as optional_phone,
    phone_candidates as phone_candidates,
)
from .dashboard import (
    Figure as Figure,
    all_figures as all_figures,
    changes_since as changes_since,
    count as count,
    latest_notification_id as latest_notification_id,
    money_text as money_text,
    store_values as store_values,
    unread_notifications as unread_notifications,
)
from .idempotency import Outcome as Outcome, fingerprint as fingerprint, run_once as run_once
from .media import (
    MAX_IMAGE_BYTES as MAX_IMAGE_BYTES,
    check_media as check_media,
    is_media_name as is_media_name,
    keep_files as keep_files,
    media_folder as media_folder,
    media_path as media_path,
    read_image as read_image,
    referenced_names as referenced_names,
)
from .notifications import (
    NotificationRead as NotificationRead,
    list_notifications as list_notifications,
    mark_all_read as mark_all_read,
    mark_read as mark_read,
    notify as notify,
)
from .paging import Page as Page, after_key as after_key, clamp_limit as clamp_limit
from .permissions import (
    COUNTER_PERMISSIONS as COUNTER_PERMISSIONS,
    PERMISSIONS as PERMISSIONS,
    ROLES as ROLES,
    Grants as Grants,
    Permission as Permission,
    allowed as allowed,
    grants as grants,
    needed_for as needed_for,
    require as require,
    require_within as require_within,
    role_grants as role_grants,
)
from .printing import print_argv as print_argv
from .search import SearchHit as SearchHit, search_all as search_all
from .setting_defs import (
    SettingDef as SettingDef,
    boolean as boolean,
    choice as choice,
    definitions as definitions,
    email_list as email_list,
    integer as integer,
    json_object as json_object,
    sender_address as sender_address,
    text as text,
)
from .settings import (
    Currency as Currency,
    currency as currency,
    get as get,
    get_all as get_all,
    secret as secret,
    secret_status as secret_status,
    set_value as set_value,
    shown as shown,
    store_region as store_region,
    timezone as timezone,
)
from .spreadsheet import read_import_file as read_import_file, row as row, uncell as uncell
from .timeutil import (
    day_end as day_end,
    day_start as day_start,
    local_today as local_today,
    parse_day as parse_day,
    parse_day_or_time as parse_day_or_time,
    parse_duration as parse_duration,
    parse_moment as parse_moment,
    today_start as today_start,
)
