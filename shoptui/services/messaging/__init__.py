"""The messaging outbox: email and SMS to people."""
