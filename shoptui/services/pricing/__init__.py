"""The offers engine: what a cart costs, and the one place amounts are rounded."""
