"""The check of one case: open files into pages, read them, check the fields, build the report."""
