"""Every business rule of the shop: one module per domain, one function per use case.

Services take a ``Session`` (and an ``Actor`` when they write), never commit, never print, never
import a face, and raise ``ShopError`` subclasses with a sentence an operator can act on.
"""
