"""The visit report form (/lapor)."""
