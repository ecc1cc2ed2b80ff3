"""Moderators' actions on posts and replies, and their audit log."""
