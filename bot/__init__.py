"""Dampingan: wiring of the Telegram application, settings, CLI."""
