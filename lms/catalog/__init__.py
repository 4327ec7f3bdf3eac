"""Catalog: the content model, the course loader, GIFT and the Markdown renderer."""
