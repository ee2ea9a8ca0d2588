"""Work that handlers and jobs both call: delivery, digests, photos, imports, menus."""
