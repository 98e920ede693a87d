"""Moving in: another system's exports (Shopify, WooCommerce) read as they are and imported."""

# The domain's API: faces and other domains import only these names (tests/test_domain_apis.py checks it).
from .common import Skipped as Skipped
from .html import html_to_text as html_to_text
from .products import (
    FORMATS as FORMATS,
    ProductImportOptions as ProductImportOptions,
    ProductImportSummary as ProductImportSummary,
    import_products as import_products,
    plan_products as plan_products,
)
