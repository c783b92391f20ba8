"""SII DTE XML: safe reading, classification, extraction and validation (pure)."""
