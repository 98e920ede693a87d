"""The shop as a whole: settings, the audit log, notifications, dashboard, global search, checks."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
