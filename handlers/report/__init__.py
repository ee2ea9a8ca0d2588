"""The visit report form (/lapor)."""

from handlers.report.form import NAME, handlers, loaders

__all__ = ["NAME", "handlers", "loaders"]
