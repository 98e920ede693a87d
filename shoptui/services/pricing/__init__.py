"""The offers engine: what a cart costs, and the one place amounts are rounded."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
