"""The counter: baskets, payments, receipts and till shifts."""
