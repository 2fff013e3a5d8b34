"""A career Q&A assistant that answers from the articles it has read, with citations."""

__all__: list[str] = []
