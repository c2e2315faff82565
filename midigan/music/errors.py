"""The one error music code raises for input it cannot use."""


class EncodingError(ValueError):
    """The songs cannot be turned into training data or a primer (one line, fit for a CLI)."""
