"""Admin endpoint and commands (see server.py, commands.py)."""
