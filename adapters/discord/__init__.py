"""Discord: a discord.py client in the service's loop, the digest transport and `/paper`."""
