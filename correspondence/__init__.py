"""correspondence: the letters of a UK council's complaints procedure, to the day."""

__version__ = "0.1.0"
