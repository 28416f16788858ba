"""Search over notes: the query grammar, Korean/English text handling, the glossary, ranking."""

__all__: list[str] = []
