from itertools import count

from motcua.outbox import services

_keys = count(1)


def make_message(recipient="tranthibinh@example.vn", **kwargs):
    """A message enqueued through the service (not yet delivered in a test transaction)."""
    n = next(_keys)
    values = {
        "channel": "email",
        "recipient": recipient,
        "subject": f"Hồ sơ {n}",
        "body": "Nội dung",
        "kind": "test.notified",
        "dedupe_key": f"test:{n}",
    }
    return services.enqueue(**{**values, **kwargs})
