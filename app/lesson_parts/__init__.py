"""Widgets that belong to one lesson (its page imports them); the helpers every page uses are the modules of app/."""
