"""Staff accounts and security: accounts, passwords, logins, sessions and tokens, two-factor, allowed networks."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
