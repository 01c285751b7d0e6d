"""alemtrack: safe alemtuzumab therapy for relapsing-remitting MS."""

__version__ = "0.1.0"
