"""shoptui: the back office of a small shop, in the terminal."""

__version__ = "0.1.0"
