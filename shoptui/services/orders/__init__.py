"""Orders: their life from draft to delivered, returns and refunds, shipping, documents, imports."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
