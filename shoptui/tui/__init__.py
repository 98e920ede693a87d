"""The Textual face: ``ShopApp`` (app.py), its screens and widgets.

Nothing here imports SQLModel/SQLAlchemy or the services at import time: the shell paints first
and every screen imports what it needs inside its workers.
"""
