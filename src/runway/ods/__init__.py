"""Ed-Fi ODS/API destinations: per tenant and school year configs, and their immutable credentials."""
