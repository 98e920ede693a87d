"""Reports: what sold, when, where, to whom, and what it earned (see definitions.py for the rules)."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
