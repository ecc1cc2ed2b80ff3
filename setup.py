"""The one thing pyproject.toml cannot say: install the repository's content/ folder as the
package `bot._content`, beside the packages found under bot/ and adapters/.

Everything else (metadata, dependencies, package data) is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["bot", "bot.*", "adapters", "adapters.*"]), "bot._content"],
    package_dir={"bot._content": "content"},
)
