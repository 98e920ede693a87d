"""Orders: their life from draft to delivered, returns and refunds, shipping, documents, imports."""

# The domain's API: faces and other domains import only these names (tests/test_domain_apis.py checks it).
from .checks import (
    check_order_counters as check_order_counters,
    check_order_money as check_order_money,
    check_order_totals as check_order_totals,
)
from .closing import cancel_order as cancel_order, fulfil_all as fulfil_all
from .common import line_title as line_title, order_settings as order_settings
from .demo import (
    DemoFile as DemoFile,
    DemoHistoryReport as DemoHistoryReport,
    demo_access_log as demo_access_log,
    demo_files as demo_files,
    load_demo_history as load_demo_history,
)
from .documents import (
    chars_for as chars_for,
    print_command_approved as print_command_approved,
    print_confirmation_question as print_confirmation_question,
    print_text as print_text,
    receipt as receipt,
    receipt_points as receipt_points,
    render as render,
    save as save,
    shop_info as shop_info,
)
from .drafts import (
    DraftAdjustment as DraftAdjustment,
    DraftLine as DraftLine,
    DraftPayment as DraftPayment,
    MAX_MINOR as MAX_MINOR,
    MAX_QUANTITY as MAX_QUANTITY,
    OrderDraft as OrderDraft,
    USER_METHODS as USER_METHODS,
    draft_from_document as draft_from_document,
    parse_item_spec as parse_item_spec,
)
from .editing import LineChange as LineChange, OrderEdit as OrderEdit, edit_order as edit_order
from .figures import (
    OrderFigures as OrderFigures,
    dashboard_figures as dashboard_figures,
    order_figures as order_figures,
)
from .importing import import_orders as import_orders, parse_mapping as parse_mapping, read_mapping as read_mapping
from .movein import (
    ORDER_FORMATS as ORDER_FORMATS,
    ForeignOrderImportReport as ForeignOrderImportReport,
    builtin_mapping_text as builtin_mapping_text,
    import_foreign_orders as import_foreign_orders,
)
from .listing import OrderFilter as OrderFilter, list_orders as list_orders
from .payments import pay as pay
from .rollups import (
    check_rollups as check_rollups,
    in_sales as in_sales,
    in_sales_sql as in_sales_sql,
    last_sold_days as last_sold_days,
    rebuild_rollups as rebuild_rollups,
    variant_sales as variant_sales,
)
from .placing import (
    create_order as create_order,
    create_order_row as create_order_row,
    resolve_variants as resolve_variants,
    variant_title as variant_title,
)
from .reading import (
    OrderRead as OrderRead,
    OrderSummary as OrderSummary,
    ReturnRead as ReturnRead,
    get_order as get_order,
)
from .returns import (
    decide_return as decide_return,
    exchange as exchange,
    list_returns as list_returns,
    preview_refund as preview_refund,
    preview_return_refund as preview_return_refund,
    receive_return as receive_return,
    refund as refund,
    refund_return as refund_return,
    request_return as request_return,
    returnable_lines as returnable_lines,
)
from .shipping import (
    BatchRefused as BatchRefused,
    ShipRow as ShipRow,
    deliver as deliver,
    ship as ship,
    ship_from_csv as ship_from_csv,
    ship_many as ship_many,
)
from .unpaid import expire_unpaid as expire_unpaid, remind_unpaid as remind_unpaid
from .views import NEXT_STEPS as NEXT_STEPS, remind_order as remind_order, tracking_by_order as tracking_by_order
