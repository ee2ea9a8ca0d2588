"""Telegram handlers, one module per feature; each exports a `handlers()` function."""
