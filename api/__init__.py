"""API: the FastAPI service and the reviewer pages."""
