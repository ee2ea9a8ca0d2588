"""Dampingan's wiring: the Application and its handler list, the CLI and the demo."""
