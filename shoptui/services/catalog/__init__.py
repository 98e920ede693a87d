"""The catalogue: categories, products, variants, search, import and export."""
