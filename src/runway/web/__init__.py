"""Web plumbing shared by every route: dependencies and error rendering."""
