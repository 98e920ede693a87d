"""Reports: what sold, when, where, to whom, and what it earned (see definitions.py for the rules)."""

# The domain's API: faces and other domains import only these names (tests/test_domain_apis.py checks it).
from .checks import (
    check_sales_figures as check_sales_figures,
    refresh_placed_days as refresh_placed_days,
)
from .definitions import (
    BREAKDOWNS as BREAKDOWNS,
    COMPARES as COMPARES,
    DEFINITIONS as DEFINITIONS,
    TIME_BREAKDOWNS as TIME_BREAKDOWNS,
)
from .customers import (
    CustomersReport as CustomersReport,
    ScoredCustomer as ScoredCustomer,
    customers_report as customers_report,
    customers_tables as customers_tables,
    members_table as members_table,
    rfm_customers as rfm_customers,
)
from .export import (
    Column as Column,
    Table as Table,
    table_json as table_json,
    write_csv as write_csv,
    write_xlsx as write_xlsx,
)
from .products import (
    PRODUCT_SORTS as PRODUCT_SORTS,
    DeadRow as DeadRow,
    ProductFigures as ProductFigures,
    ProductRow as ProductRow,
    ProductsReport as ProductsReport,
    products_report as products_report,
    products_tables as products_tables,
)
from .rfm import RFM_RULES as RFM_RULES, RfmRule as RfmRule, rfm_help as rfm_help, rule_named as rule_named
from .sales import (
    SalesFigures as SalesFigures,
    SalesReport as SalesReport,
    SalesRow as SalesRow,
    UnpaidOrder as UnpaidOrder,
    change_bp as change_bp,
    compared_period as compared_period,
    sales_document as sales_document,
    sales_report as sales_report,
    sales_tables as sales_tables,
    time_key as time_key,
)
from .settings import (
    SETTINGS as SETTINGS,
    parse_sales_regions as parse_sales_regions,
    region_of as region_of,
)
from .stock import (
    StockFigures as StockFigures,
    StockReport as StockReport,
    StockRow as StockRow,
    stock_report as stock_report,
    stock_tables as stock_tables,
)
from .logparse import (
    IMPORT_RULES as IMPORT_RULES,
    SOURCES as SOURCES,
    TRAFFIC_BREAKDOWNS as TRAFFIC_BREAKDOWNS,
)
from .traffic import (
    LogFileResult as LogFileResult,
    SpendRead as SpendRead,
    SpendReport as SpendReport,
    SpendRow as SpendRow,
    TrafficImport as TrafficImport,
    TrafficLogRead as TrafficLogRead,
    TrafficReport as TrafficReport,
    TrafficRow as TrafficRow,
    ad_channel as ad_channel,
    ad_spend_report as ad_spend_report,
    client_hash as client_hash,
    import_access_logs as import_access_logs,
    list_traffic_logs as list_traffic_logs,
    order_source as order_source,
    orders_by_channel as orders_by_channel,
    orders_by_source as orders_by_source,
    set_ad_spend as set_ad_spend,
    spend_tables as spend_tables,
    traffic_report as traffic_report,
    traffic_tables as traffic_tables,
)
from .visitors import visitors_on as visitors_on
