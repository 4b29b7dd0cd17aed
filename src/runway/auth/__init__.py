"""Sessions of browser users: the temporary development login and the current-user dependency."""
