"""The shop as a whole: settings, the audit log, notifications, dashboard, global search, checks."""
