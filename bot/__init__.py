"""paperbot: the team's daily paper notes, delivered where the team talks."""

__all__ = ["__version__"]

__version__ = "0.1.0"
