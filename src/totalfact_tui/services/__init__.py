"""Services: the use cases behind every key press and command; they own transactions."""
