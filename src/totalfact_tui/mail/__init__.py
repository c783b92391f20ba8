"""Mail adapter: IMAP, MIME extraction, SMTP and rendering — protocols only, no database."""
