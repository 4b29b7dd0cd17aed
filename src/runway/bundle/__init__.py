"""Bundles: the earthmover_edfi_bundles catalog and how runs use it."""
