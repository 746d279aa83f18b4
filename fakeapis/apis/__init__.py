"""One module per API; each exposes ``handle(req, ctx) -> Response`` rendering its own view."""
