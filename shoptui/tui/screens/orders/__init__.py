"""Screens of orders: list, detail, dialogs, returns."""
