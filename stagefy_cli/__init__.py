"""Stagefy: AI media, CRM and credits for real-estate agents, from the command line."""

__version__ = "0.1.0"
