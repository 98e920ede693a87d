"""Moving in: another system's exports (Shopify, WooCommerce) read as they are and imported."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
