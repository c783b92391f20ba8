"""TotalFact TUI: keyboard-first collection of Chilean B2B invoices."""

__version__ = "0.1.0"
