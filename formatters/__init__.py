"""Pure renderers: core models in, platform payloads or terminal text out."""

__all__: list[str] = []
