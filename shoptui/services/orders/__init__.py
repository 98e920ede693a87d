"""Orders: their life from draft to delivered, returns and refunds, shipping, documents, imports."""
