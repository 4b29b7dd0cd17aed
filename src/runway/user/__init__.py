"""Users and the tenants they belong to."""
