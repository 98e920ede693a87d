"""Screens of marketing: promotions and coupons."""
