"""The counter: the sale screen, payment, shifts."""
