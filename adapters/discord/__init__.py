"""The Discord adapter: Rebound in a Discord server, built around a forum channel."""
