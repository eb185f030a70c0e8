"""Call screening for inmate phone systems."""

__version__ = "0.1.0"
