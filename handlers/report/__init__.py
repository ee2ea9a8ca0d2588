"""The visit report form (/lapor)."""

from handlers.report.form import NAME, handlers

__all__ = ["NAME", "handlers"]
