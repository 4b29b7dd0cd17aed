"""Partners: the customer organizations (a state agency, a service provider) that administer tenants."""
