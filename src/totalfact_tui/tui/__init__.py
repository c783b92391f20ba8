"""The full-screen Textual interface (arrives with the call-loop issue)."""
