"""Customers and members: contacts, tiers, points, store credit."""
