"""Database adapter: SQLAlchemy models, engine and sessions, queries, migrations."""
