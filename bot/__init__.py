"""allocbot: reads allocation requests from a mailbox and applies what is certain."""
__version__ = "0.1.0"
