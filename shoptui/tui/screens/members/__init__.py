"""Screens of members and customers."""
