"""Query builders shared by services (no session handling here)."""
