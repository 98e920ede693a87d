"""The catalogue: categories, products, variants, search, import and export."""

# The domain's API: faces and other domains import only these names (tests/test_domain_apis.py checks it).
from .bulk import (
    BulkAction as BulkAction,
    BulkResult as BulkResult,
    bulk_apply as bulk_apply,
    bulk_preview as bulk_preview,
)
from .categories import (
    CategoryRead as CategoryRead,
    category_paths as category_paths,
    create_category as create_category,
    delete_category as delete_category,
    list_categories as list_categories,
    move_category as move_category,
    rename_category as rename_category,
    reorder_category as reorder_category,
    resolve_category as resolve_category,
)
from .creating import create_products as create_products
from .fields import (
    check_barcode as check_barcode,
    check_sku as check_sku,
    check_tag as check_tag,
    storable_barcode as storable_barcode,
    in_variant as in_variant,
    with_check_digit as with_check_digit,
)
from .media import (
    LocalImage as LocalImage,
    RemoteImage as RemoteImage,
    download_image as download_image,
    remote_images as remote_images,
    use_local_images as use_local_images,
)
from .products import (
    ProductCreate as ProductCreate,
    ProductRead as ProductRead,
    ProductRow as ProductRow,
    ProductUpdate as ProductUpdate,
    VariantInput as VariantInput,
    VariantUpdate as VariantUpdate,
    archive_product as archive_product,
    count_products as count_products,
    create_product as create_product,
    delete_product as delete_product,
    get_product as get_product,
    list_products as list_products,
    resolve_product as resolve_product,
    update_product as update_product,
)
from .search import search_products as search_products
from .transfer import (
    ImportProblem as ImportProblem,
    ImportRefused as ImportRefused,
    ImportReport as ImportReport,
    KeptBarcode as KeptBarcode,
    ProductOutcome as ProductOutcome,
    export_catalog as export_catalog,
    import_catalog as import_catalog,
    import_rows as import_rows,
    load_demo as load_demo,
    read_table as read_table,
)
from .variants import (
    OptionInput as OptionInput,
    add_variant as add_variant,
    combination_variants as combination_variants,
    delete_variant as delete_variant,
    find_variant as find_variant,
    generate_variants as generate_variants,
    get_variants as get_variants,
    list_variants as list_variants,
    sku_part as sku_part,
    sku_stem as sku_stem,
    tracked_variant_ids as tracked_variant_ids,
    update_variant as update_variant,
)
