"""The console adapter: Rebound on a simulated chat platform held in memory.

It is the core's test backend (like errbot's): scripted scenarios and an interactive
REPL drive the real core and record what every member saw.
"""
