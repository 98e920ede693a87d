"""Screens of the catalogue: the product list, detail, form, bulk changes."""
