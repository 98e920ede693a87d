"""The store layer: fast paths that depend on the engine (bulk inserts, deferred index builds).

Business code calls these small functions; nothing engine-specific lives outside this package,
``shoptui.db`` and the migrations."""
