"""Pure domain rules: no database, no network, no user interface."""
