"""Tenants: the districts inside a partner, keyed by (partner id, tenant code)."""
