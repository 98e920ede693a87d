"""Stock: the ledger and levels, purchasing, stocktakes, alerts."""

# The domain's API: faces and other domains import only these names (tests/test_domain_apis.py checks it).
from .alerts import low_stock_digest as low_stock_digest
from .changes import adjust as adjust, restock as restock, transfer as transfer
from .checks import check_stock_ledger as check_stock_ledger
from .demo import load_demo_stock as load_demo_stock
from .forecast import apply_level_suggestions as apply_level_suggestions, suggest_levels as suggest_levels
from .ledger import (
    fulfil as fulfil,
    release as release,
    reserve as reserve,
    restock_return as restock_return,
    sell as sell,
    sell_many as sell_many,
)
from .levels import level_of as level_of, levels_for as levels_for
from .listing import (
    MovementRead as MovementRead,
    StockRow as StockRow,
    list_levels as list_levels,
    list_moves as list_moves,
    stock_of as stock_of,
)
from .locations import (
    add_location as add_location,
    default_location as default_location,
    find_location as find_location,
    list_locations as list_locations,
)
from .opening import (
    OpeningStockRead as OpeningStockRead,
    book_opening_stock as book_opening_stock,
)
from .policies import set_levels as set_levels
from .purchasing import (
    PORead as PORead,
    POSummary as POSummary,
    ReorderGroup as ReorderGroup,
    add_po_line as add_po_line,
    add_supplier as add_supplier,
    cancel_po as cancel_po,
    create_po as create_po,
    create_suggested_pos as create_suggested_pos,
    edit_supplier as edit_supplier,
    email_po as email_po,
    get_po as get_po,
    list_pos as list_pos,
    list_suppliers as list_suppliers,
    order_po as order_po,
    po_number as po_number,
    receive_po as receive_po,
    suggest_reorders as suggest_reorders,
    supplier_detail as supplier_detail,
)
from .stocktake import (
    CountLineRead as CountLineRead,
    StocktakeRead as StocktakeRead,
    StocktakeReport as StocktakeReport,
    StocktakeReview as StocktakeReview,
    cancel as cancel,
    count as count,
    get_stocktake as get_stocktake,
    import_counts as import_counts,
    list_stocktakes as list_stocktakes,
    post as post,
    report as report,
    review as review,
    set_reason as set_reason,
    start_stocktake as start_stocktake,
)
from .suppliers import SupplierRead as SupplierRead
from .variants import find_variant as find_variant, variant_by_id as variant_by_id
from .rollups import (
    check_move_rollups as check_move_rollups,
    moved_since as moved_since,
    rebuild_move_rollups as rebuild_move_rollups,
)
