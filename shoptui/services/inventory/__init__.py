"""Stock: the ledger and levels, purchasing, stocktakes, alerts."""
