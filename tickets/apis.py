"""REST API for tickets (filled in by the API work)."""
