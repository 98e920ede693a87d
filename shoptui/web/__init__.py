"""The browser face: ``shoptui serve`` runs the same TUI for web browsers through textual-serve (see server.py)."""
