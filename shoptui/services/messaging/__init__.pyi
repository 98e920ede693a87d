"""The messaging outbox: email and SMS to people."""

# The domain's API: faces and other domains import only these names (tests/test_domain_apis.py checks it).
from .outbox import (
    MessageDraft as MessageDraft,
    MessageRead as MessageRead,
    cancel as cancel,
    deliver_due as deliver_due,
    get_message as get_message,
    list_messages as list_messages,
    queue as queue,
    queue_many as queue_many,
    queue_test as queue_test,
    retry as retry,
    retry_all_failed as retry_all_failed,
)
