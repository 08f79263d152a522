"""What is kept: the database and its records, the file store, migrations, stored state as pipeline types."""
