"""Screens of the shell (dashboard, settings, audit log) and the base screen every module extends."""
