"""`tracklight watch -- COMMAND`: run a program in a private network and record every host and address it tries.

Linux only (a user + network + mount namespace). Imports core, changes and formats; never ui or commands; no Qt.
"""
