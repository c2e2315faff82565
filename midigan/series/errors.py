"""The one error bad series input raises (`midigan series` prints it as one line)."""


class SeriesDataError(ValueError):
    """Input that cannot be read as time series; the message is one line."""
