"""Every word and template Rebound ships, installed as the package `bot._content`.

The folder stays at the repository's top so translators find it; setup.py maps it into the
`bot` package, and bot/words/content.py reads it with importlib.resources (wheel, zip or editable).
"""
