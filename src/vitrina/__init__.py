"""Vitrina: keeps a shop's catalog in sync with its CMS and searches it by photo."""

__version__ = "0.1.0"
