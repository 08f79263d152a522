"""What people read: review marks, the annotated PDF, the bureau summary tables."""
