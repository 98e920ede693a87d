"""Screens of the stock: levels, purchasing, stocktakes."""
