"""Promotions and coupons, and what they did."""
