"""Every command and event of Dynamic Model Builder, and the field specs they carry.

Import from the modules: `commands`, `events`, `fields`, `envelope`, `registry`.
"""
